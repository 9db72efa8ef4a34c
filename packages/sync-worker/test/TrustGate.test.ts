import { describe, expect, it } from "@effect/vitest"
import { IdentityRegistry } from "@verse-sync/identity"
import { SyncStateService } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Effect, Option, SubscriptionRef } from "effect"

const alice = TestPeer.make()
const trusted = [{ endpointId: alice.endpointId, role: "self" as const }]

describe("the trust gate", () => {
  it.live("reports a stranger knocking repeatedly once, then once per window, and lists it", () =>
    Effect.gen(function*() {
      const seen = yield* TestWorker.collectDiagnostics(["sync.worker.peer_rejected"])
      const ticket = yield* TestWorker.awaitTicket
      const stranger = TestPeer.make()
      for (let knock = 0; knock < 10; knock++) {
        yield* TestPeer.knock(stranger, ticket)
      }
      expect(seen).toHaveLength(1)
      expect(seen[0]!.severity).toBe("Warn")
      const state = yield* SubscriptionRef.get(yield* SyncStateService)
      expect(state.strangers).toEqual([expect.objectContaining({ endpointId: stranger.endpointId, attempts: 10 })])

      // The rest are reported together once the window has passed.
      yield* Effect.sleep("100 millis").pipe(
        Effect.repeat({ until: () => seen.length > 1 }),
        Effect.timeout("6 seconds")
      )
      expect(seen).toHaveLength(2)
      expect(seen[1]!.fields.attempts).toBe(9)
    }).pipe(
      Effect.scoped,
      Effect.provide(TestWorker.layer({ peers: trusted, strangerReportWindowMs: 2000 }))
    ))

  it.live("accepts a peer trusted while running, without a restart", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const bob = TestPeer.make()
      const refused = yield* TestPeer.knock(bob, ticket)
      expect(refused).toEqual(Option.some(1))

      const registry = yield* IdentityRegistry
      yield* registry.trust({ endpointId: bob.endpointId, role: "friend" })
      const { welcome } = yield* bob.join(ticket, [])
      expect(welcome.type).toBe("Welcome")
      const state = yield* SubscriptionRef.get(yield* SyncStateService)
      expect(state.restarts).toBe(0)
      expect(state.strangers).toEqual([])
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers: trusted }))))

  it.live("closes a revoked peer's live session with code 8 and refuses it after", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const { client } = yield* alice.join(ticket, [])
      const registry = yield* IdentityRegistry
      yield* registry.revoke(alice.endpointId)
      const code = yield* TestPeer.closeCode(client).pipe(Effect.timeout("1 second"))
      expect(code).toEqual(Option.some(8))
      const again = yield* TestPeer.knock(alice, ticket)
      expect(again).toEqual(Option.some(1))
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers: trusted }))))
})

describe("sessions of one peer", () => {
  it.live("a third session supersedes the oldest with code 7, and the peer stays connected", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const first = yield* alice.join(ticket, [])
      const second = yield* alice.join(ticket, [])
      const third = yield* alice.join(ticket, [])
      expect(yield* TestPeer.closeCode(first.client)).toEqual(Option.some(7))
      yield* Effect.sleep("100 millis")
      const state = yield* SubscriptionRef.get(yield* SyncStateService)
      expect(state.peerCount).toBe(1)
      expect(Object.keys(state.sessions)).toHaveLength(2)
      expect(state.recentSessions[0]).toMatchObject({ endpointId: alice.endpointId, closeCode: 7 })
      void second
      void third
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers: trusted }))))
})

describe("a peer that keeps replacing itself", () => {
  it.live("is noticed with one Warn, and its new sessions are refused during a cool-down", () =>
    Effect.gen(function*() {
      const warnings = yield* TestWorker.collectDiagnostics(["sync.worker.protocol_violation"])
      const ticket = yield* TestWorker.awaitTicket
      const sessions = []
      for (let attempt = 0; attempt < 4; attempt++) sessions.push((yield* alice.join(ticket, [])).client)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]!.fields.replacements).toBe(3)

      const refused = yield* TestPeer.knock(alice, ticket)
      expect(refused).toEqual(Option.some(7))
      const live = sessions[3]!
      yield* live.frames.send({
        type: "SyncUnit",
        batch: 1,
        workspaceId: "w",
        fromPeer: alice.endpointId,
        intents: alice.intents(1, 1)
      })
      expect(yield* live.nextAnswer).toMatchObject({ type: "Ack" })
      expect(warnings).toHaveLength(1)
    }).pipe(
      Effect.scoped,
      Effect.provide(TestWorker.layer({ peers: trusted, maxSessionsPerPeer: 1, flappingThreshold: 3 }))
    ))
})
