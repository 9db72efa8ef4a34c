import { describe, expect, it } from "@effect/vitest"
import { IdentityRegistry } from "@verse-sync/identity"
import { GraphIntentReducer } from "@verse-sync/intent"
import { SyncClient } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Deferred, Effect, Fiber, Layer } from "effect"

const owner = TestPeer.make()
const friend = TestPeer.make()
const peers = [
  { endpointId: owner.endpointId, role: "self" as const },
  { endpointId: friend.endpointId, role: "friend" as const, grants: { shared: "read-write", news: "read" } as const }
]

const unit = (peer: TestPeer.TestPeer, workspaceId: string) => ({
  type: "SyncUnit",
  batch: 1,
  workspaceId,
  fromPeer: peer.endpointId,
  intents: peer.intents(1, 2)
})

describe("access grants", () => {
  it.live("Welcome lists only the workspaces a friend may write to", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const { welcome } = yield* friend.join(ticket, ["shared", "news", "private"])
      expect(Object.keys(welcome.versionVectors)).toEqual(["shared"])
      const mine = yield* owner.join(ticket, ["shared", "news", "private"])
      expect(Object.keys(mine.welcome.versionVectors).sort()).toEqual(["news", "private", "shared"])
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers }))))

  it.live("a friend writing where it has no read-write grant gets AccessDenied, and nothing is applied", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const { client } = yield* friend.join(ticket, ["news"])
      yield* client.frames.send(unit(friend, "news"))
      const answer = yield* client.nextAnswer
      expect(answer).toMatchObject({ type: "Reject", code: "AccessDenied", versionVector: {} })
      yield* client.frames.send({ ...unit(friend, "private"), batch: 2 })
      const hidden = yield* client.nextAnswer
      expect(hidden).toMatchObject({ type: "Reject", code: "AccessDenied" })
      expect("versionVector" in hidden).toBe(false)
      yield* client.frames.send({ ...unit(friend, "shared"), batch: 3 })
      expect(yield* client.nextAnswer).toMatchObject({ type: "Ack", applied: 2 })
      const reducer = yield* GraphIntentReducer
      expect((yield* reducer.summaries).map((summary) => summary.workspaceId)).toEqual(["shared"])
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers }))))
})

describe("grants changed during a session", () => {
  it.live("apply to the next unit, without reconnecting", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const { client } = yield* friend.join(ticket, ["shared"])
      yield* client.frames.send(unit(friend, "shared"))
      expect(yield* client.nextAnswer).toMatchObject({ type: "Ack", applied: 2 })

      const registry = yield* IdentityRegistry
      yield* registry.trust({ endpointId: friend.endpointId, grants: { shared: "read" } })
      yield* client.frames.send({ ...unit(friend, "shared"), batch: 2, intents: friend.intents(3, 1) })
      expect(yield* client.nextAnswer).toMatchObject({ type: "Reject", code: "AccessDenied" })
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers }))))
})

/** Opens the gate of the reducer below; set when the layer is built. */
const gate: { release?: Deferred.Deferred<void> } = {}

/** The memory reducer, reporting itself full and holding every submit until the gate opens. */
const gatedReducer = Layer.effect(
  GraphIntentReducer,
  Effect.gen(function*() {
    const release = yield* Deferred.make<void>()
    gate.release = release
    const reducer = yield* GraphIntentReducer
    return GraphIntentReducer.of({
      ...reducer,
      pending: Deferred.isDone(release).pipe(
        Effect.flatMap((open) => open ? reducer.pending : Effect.succeed(reducer.capacity))
      ),
      submit: (workspace, from, intents) =>
        Deferred.await(release).pipe(Effect.andThen(reducer.submit(workspace, from, intents)))
    })
  })
).pipe(Layer.provide(GraphIntentReducer.layerMemory))

describe("backpressure", () => {
  it.live("a full reducer is one Warn for all the peers it holds up, and every unit is applied after", () =>
    Effect.gen(function*() {
      const warnings = yield* TestWorker.collectDiagnostics(["sync.worker.backpressure"])
      const ticket = yield* TestWorker.awaitTicket
      const push = (peer: TestPeer.TestPeer) =>
        Effect.gen(function*() {
          const { client, welcome } = yield* peer.join(ticket, ["shared"])
          const units = SyncClient.planUnits("shared", peer.endpointId, peer.intents(1, 50), {
            maxIntents: 5,
            maxFrameBytes: welcome.limits.maxFrameBytes
          })
          return yield* SyncClient.sendUnits(client, units, { maxInFlight: welcome.limits.maxInFlight })
        }).pipe(Effect.forkScoped)
      const pushes = [yield* push(owner), yield* push(friend)]
      yield* Effect.sleep("300 millis")
      expect(warnings).toHaveLength(1)
      yield* Deferred.succeed(gate.release!, undefined)
      for (const pushing of pushes) {
        const outcomes = yield* Fiber.join(pushing)
        expect(outcomes.every((outcome) => outcome.answer.type === "Ack")).toBe(true)
      }
      const reducer = yield* GraphIntentReducer
      expect(yield* reducer.versionVector("shared")).toEqual({ [owner.endpointId]: 50, [friend.endpointId]: 50 })
      expect(warnings).toHaveLength(1)
    }).pipe(
      Effect.scoped,
      Effect.provide(TestWorker.layer({ peers, reducer: gatedReducer }))
    ))
})
