import { describe, expect, it } from "@effect/vitest"
import { encodeFrame, Message, Transport } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Effect, Fiber, Option } from "effect"

const alice = TestPeer.make()
const bob = TestPeer.make()
const carol = TestPeer.make()
const peers = [alice, bob, carol].map((peer) => ({ endpointId: peer.endpointId, role: "self" as const }))

describe("limits and timeouts of a session", () => {
  it.live("closes a peer that never says Hello with code 4, while serving others meanwhile", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const stalled = yield* alice.connect(ticket)
      yield* stalled.frames.sendRaw(new Uint8Array([0, 0]))
      const { welcome } = yield* bob.join(ticket, [])
      expect(welcome.type).toBe("Welcome")
      expect(yield* TestPeer.closeCode(stalled)).toEqual(Option.some(4))
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers, handshakeTimeoutMs: 400 }))))

  it.live("closes a session idle past the idle timeout with code 0", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const { client } = yield* alice.join(ticket, [])
      const close = yield* client.closed
      expect(close).toMatchObject({ code: 0, reason: "idle" })
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers, idleTimeoutMs: 300 }))))

  it.live("refuses a first frame larger than the Hello limit with code 3, from its header", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const client = yield* alice.connect(ticket)
      const header = new Uint8Array([0, 1, 0, 1, 0])
      yield* client.frames.sendRaw(header)
      expect(yield* TestPeer.closeCode(client)).toEqual(Option.some(3))
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers }))))

  it.live("refuses connections past the session limit with code 5 and sync.worker.overloaded", () =>
    Effect.gen(function*() {
      const overloaded = yield* TestWorker.firstDiagnostic("sync.worker.overloaded")
      const ticket = yield* TestWorker.awaitTicket
      yield* alice.join(ticket, [])
      yield* bob.join(ticket, [])
      expect(yield* TestPeer.knock(carol, ticket)).toEqual(Option.some(5))
      expect((yield* Fiber.join(overloaded)).severity).toBe("Warn")
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers, maxSessions: 2 }))))

  it.live("rejects a unit over the intents limit with TooManyIntents and keeps the session", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const { client, welcome } = yield* alice.join(ticket, ["w"])
      expect(welcome.limits.maxBatchIntents).toBe(5)
      const unit = (batch: number, count: number) =>
        encodeFrame(
          { type: "SyncUnit", batch, workspaceId: "w", fromPeer: alice.endpointId, intents: alice.intents(1, count) },
          "json"
        )
      yield* client.frames.sendRaw(unit(1, 6))
      expect(yield* client.nextAnswer).toMatchObject({ type: "Reject", code: "TooManyIntents" })
      yield* client.frames.sendRaw(unit(2, 5))
      expect(yield* client.nextAnswer).toMatchObject({ type: "Ack", applied: 5 })
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers, maxBatchIntents: 5 }))))

  it.live("closes with code 2 on a repeated batch number", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const { client } = yield* alice.join(ticket, ["w"])
      const unit = (batch: number, first: number) => ({
        type: "SyncUnit",
        batch,
        workspaceId: "w",
        fromPeer: alice.endpointId,
        intents: alice.intents(first, 1)
      })
      yield* client.frames.send(unit(5, 1))
      expect(yield* client.nextAnswer).toMatchObject({ type: "Ack", batch: 5 })
      yield* client.frames.send(unit(5, 2))
      expect(yield* TestPeer.closeCode(client)).toEqual(Option.some(2))
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers }))))

  it.live("closes with code 2 on a message other than SyncUnit after Welcome", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const { client } = yield* alice.join(ticket, [])
      yield* client.frames.send(Message.makeHello({ endpointId: alice.endpointId, workspaces: [] }))
      expect(yield* TestPeer.closeCode(client)).toEqual(Option.some(2))
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers }))))

  it.live("reports a failed TLS handshake (wrong ALPN) as handshake_failed and keeps accepting", () =>
    Effect.gen(function*() {
      const failed = yield* TestWorker.firstDiagnostic("sync.worker.handshake_failed")
      const ticket = yield* TestWorker.awaitTicket
      const endpoint = yield* alice.bind
      const wrong = yield* Effect.exit(Transport.connect(endpoint, ticket, "some-other-protocol/1"))
      expect(wrong._tag).toBe("Failure")
      const event = yield* Fiber.join(failed)
      expect(event.severity).toBe("Warn")
      expect(event.message).not.toContain("\n")
      const { welcome } = yield* bob.join(ticket, [])
      expect(welcome.type).toBe("Welcome")
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers }))))
})
