import { describe, expect, it } from "@effect/vitest"
import { GraphIntentReducer } from "@verse-sync/intent"
import { SyncClient, SyncStateService, SyncWorker } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Effect, Schedule, SubscriptionRef } from "effect"

const peers = Array.from({ length: 10 }, () => TestPeer.make())
const cyclesPerPeer = 100

/** Node's count of live timers, sockets and other handles, by kind. */
const activeResources = () => {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1
  return counts
}

describe("many short sessions", () => {
  it.live(
    "after 1,000 connect/send/disconnect cycles from 10 peers, holds nothing more than at the start",
    () =>
      Effect.gen(function*() {
        const ticket = yield* TestWorker.awaitTicket
        // Let the worker's own background fibers (the stranger sweep's timer) start before counting.
        yield* Effect.sleep("100 millis")
        const worker = yield* SyncWorker
        const before = yield* worker.stats
        const resourcesBefore = activeResources()

        yield* Effect.forEach(peers, (peer) =>
          Effect.gen(function*() {
            const endpoint = yield* peer.bind
            for (let cycle = 0; cycle < cyclesPerPeer; cycle++) {
              yield* Effect.scoped(Effect.gen(function*() {
                const client = yield* SyncClient.connectFrom(endpoint, ticket)
                yield* client.hello(["churn"])
                yield* client.frames.send({
                  type: "SyncUnit",
                  batch: 1,
                  workspaceId: "churn",
                  fromPeer: peer.endpointId,
                  intents: peer.intents(cycle + 1, 1)
                })
                expect(yield* client.nextAnswer).toMatchObject({ type: "Ack", applied: 1 })
                yield* client.close()
              }))
            }
          }).pipe(Effect.scoped), { concurrency: "unbounded", discard: true })

        const state = yield* TestWorker.awaitState((value) => Object.keys(value.sessions).length === 0)
        // A session's fiber ends just after it leaves SyncState: give the last ones a moment.
        const after = yield* worker.stats.pipe(
          Effect.repeat({ until: (stats) => stats.sessionFibers === 0, schedule: Schedule.spaced("20 millis") }),
          Effect.timeoutOption("2 seconds"),
          Effect.andThen(worker.stats)
        )
        expect(after).toEqual(before)
        expect(state.peerCount).toBe(0)
        expect(state.recentSessions.length).toBeLessThanOrEqual(32)
        expect(state.totals.intentsApplied).toBe(peers.length * cyclesPerPeer)
        const reducer = yield* GraphIntentReducer
        const [summary] = yield* reducer.summaries
        expect(summary!.nodes).toBe(peers.length * cyclesPerPeer)

        yield* Effect.sleep("1200 millis")
        const resourcesAfter = activeResources()
        expect(resourcesAfter.Timeout ?? 0).toBeLessThanOrEqual(resourcesBefore.Timeout ?? 0)
        expect(resourcesAfter.UDPWRAP ?? 0).toBeLessThanOrEqual(resourcesBefore.UDPWRAP ?? 0)
        expect((yield* SubscriptionRef.get(yield* SyncStateService)).status).toBe("running")
      }).pipe(
        Effect.scoped,
        Effect.provide(
          TestWorker.layer({ peers: peers.map((peer) => ({ endpointId: peer.endpointId, role: "self" })) })
        )
      ),
    { timeout: 120_000 }
  )
})
