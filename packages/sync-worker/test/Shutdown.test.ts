import { describe, expect, it } from "@effect/vitest"
import { SyncStateService, SyncWorker } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Context, Effect, Exit, Fiber, Layer, Option, Scope, SubscriptionRef } from "effect"

const alice = TestPeer.make()
const trusted = [{ endpointId: alice.endpointId, role: "self" as const }]

describe("stopping the SyncWorker", () => {
  it.live("closes live sessions with code 6, emits sync.worker.stopped and ends stopped", () =>
    Effect.gen(function*() {
      const workerScope = yield* Scope.make()
      const services = yield* Layer.buildWithScope(TestWorker.layer({ peers: trusted }), workerScope)
      const inWorker = <A, E>(effect: Effect.Effect<A, E, any>) => Effect.provide(effect, services)

      const stopped = yield* inWorker(TestWorker.firstDiagnostic("sync.worker.stopped"))
      const ticket = yield* inWorker(TestWorker.awaitTicket)
      const { client } = yield* alice.join(ticket, [])

      yield* Scope.close(workerScope, Exit.void)

      // The endpoint is what died, so no close frame can go out: the peer sees the connection lost.
      const close = yield* client.closed
      expect(close.local).toBe(false)
      expect((yield* Fiber.join(stopped)).severity).toBe("Info")
      const state = yield* SubscriptionRef.get(Context.get(services, SyncStateService))
      expect(state.status).toBe("stopped")
      expect(state.recentSessions[0]).toMatchObject({ closeCode: 6 })
    }).pipe(Effect.scoped))

  it.live("ends live sessions when the worker restarts after its endpoint closed under it", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const { client } = yield* alice.join(ticket, [])
      const worker = yield* SyncWorker
      const endpoint = Option.getOrThrow(yield* worker.endpoint)
      yield* Effect.promise(() => endpoint.native.close())
      // The endpoint is what died, so no close frame can go out: the peer sees the connection lost.
      const close = yield* client.closed
      expect(close.local).toBe(false)
      const state = yield* TestWorker.awaitState((value) => value.status === "running" && value.restarts === 1)
      expect(state.peerCount).toBe(0)
    }).pipe(
      Effect.scoped,
      Effect.provide(TestWorker.layer({
        peers: trusted,
        restartPolicy: { initialDelay: "10 millis", maxDelay: "100 millis", maxRestarts: 3, window: "1 minute" }
      }))
    ))
})
