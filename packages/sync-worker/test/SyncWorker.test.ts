import { describe, expect, it } from "@effect/vitest"
import { GraphIntentReducer } from "@verse-sync/intent"
import { SyncStateService } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Effect, Fiber, SubscriptionRef } from "effect"

const alice = TestPeer.make()

describe("SyncWorker", () => {
  it.live("applies a trusted peer's unit and acks it", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const { client, welcome } = yield* alice.join(ticket, ["research"])
      expect(welcome.versionVectors).toEqual({ research: {} })
      yield* client.frames.send({
        type: "SyncUnit",
        batch: 1,
        workspaceId: "research",
        fromPeer: alice.endpointId,
        intents: alice.intents(1, 3)
      })
      const answer = yield* client.nextAnswer
      expect(answer).toMatchObject({ type: "Ack", batch: 1, applied: 3, duplicates: 0 })
      const reducer = yield* GraphIntentReducer
      expect(yield* reducer.versionVector("research")).toEqual({ [alice.endpointId]: 3 })
      const state = yield* SubscriptionRef.get(yield* SyncStateService)
      expect(state.peerCount).toBe(1)
      expect(state.lastSyncAt).not.toBeNull()
    }).pipe(
      Effect.scoped,
      Effect.provide(TestWorker.layer({ peers: [{ endpointId: alice.endpointId, role: "self" }] }))
    ))

  it.live("refuses a stranger with close code 1 and keeps serving", () =>
    Effect.gen(function*() {
      const rejected = yield* TestWorker.firstDiagnostic("sync.worker.peer_rejected")
      const ticket = yield* TestWorker.awaitTicket
      const stranger = TestPeer.make()
      const close = yield* stranger.connect(ticket).pipe(
        Effect.flatMap((client) => client.closed),
        Effect.catchTag("SessionEnded", (ended) => Effect.succeed({ code: ended.closeCode, reason: ended.message }))
      )
      expect(close.code).toBe(1)
      expect(close.reason).toContain("not trusted")
      const event = yield* Fiber.join(rejected)
      expect(event.severity).toBe("Warn")

      const { welcome } = yield* alice.join(ticket, [])
      expect(welcome.type).toBe("Welcome")
    }).pipe(
      Effect.scoped,
      Effect.provide(TestWorker.layer({ peers: [{ endpointId: alice.endpointId, role: "self" }] }))
    ))
})
