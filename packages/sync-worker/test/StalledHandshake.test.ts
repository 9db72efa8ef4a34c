import { describe, expect, it } from "@effect/vitest"
import { Transport } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Effect, Fiber } from "effect"
import * as dgram from "node:dgram"

const stalled = TestPeer.make()
const good = TestPeer.make()
const peers = [stalled, good].map((peer) => ({ endpointId: peer.endpointId, role: "self" as const }))

/**
 * A loopback UDP relay in front of the worker that passes the dialer's packets
 * on and drops every answer: the worker sees a TLS handshake begin and never
 * finish, as with a peer that vanished or stalled halfway through it.
 */
const blackHoleRelay = (target: string) =>
  Effect.acquireRelease(
    Effect.callback<dgram.Socket>((resume) => {
      const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))]
      const socket = dgram.createSocket("udp4")
      socket.on("message", (message, from) => {
        if (from.address === host && from.port === port) return
        socket.send(message, port, host)
      })
      socket.bind(0, "127.0.0.1", () => resume(Effect.succeed(socket)))
    }),
    (socket) => Effect.sync(() => socket.close())
  )

describe("a peer stalled inside the TLS handshake", () => {
  it.live(
    "is given up on after the handshake timeout, while others are served meanwhile",
    () =>
      Effect.gen(function*() {
        const failed = yield* TestWorker.firstDiagnostic("sync.worker.handshake_failed")
        const state = yield* TestWorker.awaitState((value) => value.status === "running")
        const workerAddress = state.addresses.find((address) => address.startsWith("127.0.0.1:"))!
        const relay = yield* blackHoleRelay(workerAddress)
        const relayTicket = Transport.ticketFor(state.endpointId!, [`127.0.0.1:${relay.address().port}`])

        const endpoint = yield* stalled.bind
        const dial = yield* Transport.connect(endpoint, relayTicket).pipe(
          Effect.timeout("3 seconds"),
          Effect.forkScoped
        )
        const { welcome } = yield* good.join(state.ticket!, [])
        expect(welcome.type).toBe("Welcome")

        const event = yield* Fiber.join(failed)
        expect(event.message).toContain("did not finish in time")
        expect(event.severity).toBe("Warn")
        yield* Fiber.interrupt(dial)
      }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers, handshakeTimeoutMs: 500 }))),
    { timeout: 30_000 }
  )
})
