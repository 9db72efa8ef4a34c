import { describe, expect, it } from "@effect/vitest"
import { IdentityRegistry } from "@verse-sync/identity"
import { GraphIntentReducer, LogWriteError } from "@verse-sync/intent"
import { SyncStateService } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Effect, Fiber, Layer, Option, SubscriptionRef } from "effect"

const alice = TestPeer.make()
const bob = TestPeer.make()
const peers = [alice, bob].map((peer) => ({ endpointId: peer.endpointId, role: "self" as const }))

/** The memory reducer, except that submitting to `workspace` ends in `failure`. */
const reducerFailingOn = (workspace: string, failure: Effect.Effect<never, LogWriteError>) =>
  Layer.effect(
    GraphIntentReducer,
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer
      return GraphIntentReducer.of({
        ...reducer,
        submit: (target, from, intents) => target === workspace ? failure : reducer.submit(target, from, intents)
      })
    })
  ).pipe(Layer.provide(GraphIntentReducer.layerMemory))

/** A unit for workspace `boom` dies with a defect. */
const faultyReducer = reducerFailingOn("boom", Effect.die(new Error("disk on fire")))

/** A unit for workspace `full` cannot be written, as on a full disk. */
const unwritableReducer = reducerFailingOn(
  "full",
  Effect.fail(new LogWriteError({ workspaceId: "full", detail: "sync.db: database or disk is full" }))
)

/** The memory registry, except that looking up `bob` dies with a defect. */
const faultyRegistry = Layer.effect(
  IdentityRegistry,
  Effect.gen(function*() {
    const registry = yield* IdentityRegistry
    return IdentityRegistry.of({
      ...registry,
      lookup: (endpointId) =>
        endpointId === bob.endpointId ? Effect.die(new Error("trust store unreadable")) : registry.lookup(endpointId)
    })
  })
).pipe(Layer.provide(IdentityRegistry.layerMemory({ peers })))

const unit = (workspaceId: string) => ({
  type: "SyncUnit",
  batch: 1,
  workspaceId,
  fromPeer: alice.endpointId,
  intents: alice.intents(1, 1)
})

describe("a fault while serving one peer", () => {
  it.live("in the reducer closes that session (code 6, never an Ack) and leaves the worker serving", () =>
    Effect.gen(function*() {
      const seen = yield* TestWorker.collectDiagnostics(["sync.worker.protocol_violation"])
      const ticket = yield* TestWorker.awaitTicket
      const { client } = yield* alice.join(ticket, ["boom", "fine"])
      yield* client.frames.send(unit("boom"))
      const close = yield* client.closed
      expect(close).toMatchObject({ code: 6, reason: "internal error" })
      expect(seen).toHaveLength(1)
      expect(seen[0]!.message).toContain("disk on fire")

      const again = yield* alice.join(ticket, ["fine"])
      yield* again.client.frames.send(unit("fine"))
      expect(yield* again.client.nextAnswer).toMatchObject({ type: "Ack", applied: 1 })
      const state = yield* SubscriptionRef.get(yield* SyncStateService)
      expect(state.restarts).toBe(0)
      expect(state.status).toBe("running")
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ reducer: faultyReducer, peers }))))

  it.live("storing a unit closes that session with code 6 and sync.worker.unit_failed, never an Ack", () =>
    Effect.gen(function*() {
      const failed = yield* TestWorker.firstDiagnostic("sync.worker.unit_failed")
      const ticket = yield* TestWorker.awaitTicket
      const { client } = yield* alice.join(ticket, ["full", "fine"])
      yield* client.frames.send(unit("full"))
      expect(yield* client.closed).toMatchObject({ code: 6, reason: "sync log unavailable" })
      const event = yield* Fiber.join(failed)
      expect(event.severity).toBe("Error")
      expect(event.message).toContain("disk is full")

      const again = yield* alice.join(ticket, ["fine"])
      yield* again.client.frames.send(unit("fine"))
      expect(yield* again.client.nextAnswer).toMatchObject({ type: "Ack", applied: 1 })
      expect((yield* SubscriptionRef.get(yield* SyncStateService)).restarts).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ reducer: unwritableReducer, peers }))))

  it.live("in the trust store closes that connection and leaves the worker serving", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const code = yield* TestPeer.knock(bob, ticket)
      expect(code).toEqual(Option.some(6))
      const { welcome } = yield* alice.join(ticket, [])
      expect(welcome.type).toBe("Welcome")
      const state = yield* SubscriptionRef.get(yield* SyncStateService)
      expect(state.restarts).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ registry: faultyRegistry }))))
})
