import { describe, expect, it } from "@effect/vitest"
import { SyncStateService } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Effect, Fiber, Stream, SubscriptionRef } from "effect"

const alice = TestPeer.make()
const trusted = [{ endpointId: alice.endpointId, role: "self" as const }]

describe("a session's states in SyncState", () => {
  it.live("go Handshaking, Authenticated, Idle, Syncing, Idle, Disconnected with the close code", () =>
    Effect.gen(function*() {
      const connected = yield* TestWorker.firstDiagnostic("sync.worker.peer_connected")
      const disconnected = yield* TestWorker.firstDiagnostic("sync.worker.peer_disconnected")
      const ticket = yield* TestWorker.awaitTicket
      const ref = yield* SyncStateService
      const phases: Array<string> = []
      const watcher = yield* SubscriptionRef.changes(ref).pipe(
        Stream.map((state) =>
          [...Object.values(state.sessions), ...state.recentSessions.slice(0, 1)].map((session) =>
            `${session.phase}${session.closeCode === null ? "" : `:${session.closeCode}`}`
          )[0]
        ),
        Stream.filter((phase) => phase !== undefined),
        Stream.changes,
        Stream.takeUntil((phase) => phase.startsWith("Disconnected")),
        Stream.runForEach((phase) => Effect.sync(() => phases.push(phase))),
        Effect.forkScoped
      )
      yield* Effect.yieldNow

      yield* Effect.scoped(Effect.gen(function*() {
        const { client } = yield* alice.join(ticket, ["research"])
        yield* client.frames.send({
          type: "SyncUnit",
          batch: 1,
          workspaceId: "research",
          fromPeer: alice.endpointId,
          intents: alice.intents(1, 2)
        })
        yield* client.nextAnswer
        expect((yield* SubscriptionRef.get(ref)).peerCount).toBe(1)
      }))
      yield* Fiber.join(watcher)

      expect(phases).toEqual(["Handshaking", "Authenticated", "Idle", "Syncing", "Idle", "Disconnected:0"])
      expect(yield* Fiber.join(connected)).toMatchObject({
        severity: "Info",
        fields: { peer: alice.endpointId.slice(0, 10) }
      })
      expect(yield* Fiber.join(disconnected)).toMatchObject({ severity: "Info", fields: { closeCode: 0 } })
      const state = yield* SubscriptionRef.get(ref)
      expect(state.peerCount).toBe(0)
      expect(state.recentSessions[0]).toMatchObject({ endpointId: alice.endpointId, unitsAcked: 1, closeCode: 0 })
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers: trusted }))))
})
