import { describe, expect, it } from "@effect/vitest"
import { SyncStateService, SyncWorker, Transport } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Effect, Fiber, Option, SubscriptionRef } from "effect"

const alice = TestPeer.make()
const trusted = [{ endpointId: alice.endpointId, role: "self" as const }]
const fastRestarts = {
  initialDelay: "20 millis",
  maxDelay: "200 millis",
  maxRestarts: 3,
  window: "60 seconds"
} as const

/** Closes the worker's endpoint under its accept loop: a real defect, not a simulated one. */
const closeEndpointUnderWorker = Effect.gen(function*() {
  const worker = yield* SyncWorker
  const endpoint = Option.getOrThrow(yield* worker.endpoint)
  yield* Effect.promise(() => endpoint.native.close())
})

describe("ControlPanel supervision of the SyncWorker", () => {
  it.live("starts running with its endpoint id and emits sync.worker.started", () =>
    Effect.gen(function*() {
      const started = yield* TestWorker.firstDiagnostic("sync.worker.started")
      const state = yield* TestWorker.awaitState((value) => value.status === "running")
      expect(state.endpointId).toMatch(/^[0-9a-f]{64}$/)
      const event = yield* Fiber.join(started)
      expect(event.fields.endpointId).toBe(state.endpointId)
      expect(event.fields.ticket).toBe(state.ticket)
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers: trusted }))))

  it.live("restarts after its endpoint closes under it, and serves a new peer", () =>
    Effect.gen(function*() {
      const seen = yield* TestWorker.collectDiagnostics(["sync.worker.crashed", "sync.worker.restarting"])
      const firstTicket = yield* TestWorker.awaitTicket
      yield* closeEndpointUnderWorker

      const state = yield* TestWorker.awaitState((value) =>
        value.status === "running" && value.restarts === 1 && value.ticket !== firstTicket
      )
      expect(seen.map((event) => event.channel)).toEqual(["sync.worker.crashed", "sync.worker.restarting"])
      expect(seen[0]!.severity).toBe("Error")
      expect(seen[1]!.fields.attempt).toBe(1)
      expect(state.lastError).toContain("accept loop")

      const { welcome } = yield* alice.join(state.ticket!, [])
      expect(welcome.type).toBe("Welcome")
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers: trusted, restartPolicy: fastRestarts }))))

  it.live("gives up past the restart budget and stays failed", () =>
    Effect.gen(function*() {
      const seen = yield* TestWorker.collectDiagnostics(["sync.worker.gave_up"])
      const ref = yield* SyncStateService
      for (let crash = 0; crash <= fastRestarts.maxRestarts; crash++) {
        yield* TestWorker.awaitState((value) => value.status === "running" && value.restarts === crash)
        yield* closeEndpointUnderWorker
      }
      const state = yield* TestWorker.awaitState((value) => value.status === "failed")
      expect(state.restarts).toBe(fastRestarts.maxRestarts)
      expect(seen).toHaveLength(1)
      expect(seen[0]!.severity).toBe("Error")
      yield* Effect.sleep("300 millis")
      expect((yield* SubscriptionRef.get(ref)).status).toBe("failed")
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers: trusted, restartPolicy: fastRestarts }))))

  it.live("is not restarted by a stranger, and serves a trusted peer right after", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      expect(yield* TestPeer.knock(TestPeer.make(), ticket)).toEqual(Option.some(1))
      const { welcome } = yield* alice.join(ticket, [])
      expect(welcome.type).toBe("Welcome")
      const state = yield* SubscriptionRef.get(yield* SyncStateService)
      expect(state.restarts).toBe(0)
      expect(state.status).toBe("running")
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers: trusted }))))

  it.live("gives up at once, with one line saying why, when it cannot bind its address", () =>
    Effect.gen(function*() {
      const squatter = yield* Transport.bind({ secretKey: Transport.generateSecretKey(), bindAddress: "127.0.0.1:0" })
      const taken = squatter.addresses.find((address) => address.startsWith("127.0.0.1:"))!
      yield* Effect.gen(function*() {
        const seen = yield* TestWorker.collectDiagnostics(["sync.worker.restarting", "sync.worker.gave_up"])
        const state = yield* TestWorker.awaitState((value) => value.status === "failed")
        expect(state.restarts).toBe(0)
        expect(state.lastError).toContain(`cannot listen on ${taken}`)
        expect(state.lastError).toContain("Address already in use")
        expect(state.lastError).not.toContain("\n")
        expect(state.lastError).not.toContain(".rs:")
        yield* Effect.sleep("100 millis")
        expect(seen.map((event) => event.channel)).toEqual(["sync.worker.gave_up"])
      }).pipe(Effect.provide(TestWorker.layer({ peers: trusted, bindAddress: taken })))
    }).pipe(Effect.scoped))
})
