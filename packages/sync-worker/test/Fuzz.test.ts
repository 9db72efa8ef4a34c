/**
 * Property-based tests: random bytes, random frames, truncated streams and
 * random valid-looking units thrown at a live worker over real loopback iroh.
 * Every case must end in an Ack, a Reject or a close code of PROTOCOL.md, and
 * the worker must serve a good peer afterwards. An unhandled rejection or an
 * uncaught exception anywhere in the process fails the run (vitest's default).
 */
import { describe, expect, it } from "@effect/vitest"
import { encodeFrame, SyncClient, SyncStateService } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Effect, SubscriptionRef } from "effect"
import fc from "fast-check"

const alice = TestPeer.make()
const peers = [{ endpointId: alice.endpointId, role: "self" as const }]
const protocolCloseCodes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
const runs = 40

type Outcome = { readonly _tag: "Answer"; readonly type: string } | { readonly _tag: "Closed"; readonly code: number }

/** Joins, sends `bytes` after Hello and ends the stream, and reports how the acceptor answered. */
const throwAtWorker = (ticket: string, bytes: Uint8Array) =>
  Effect.scoped(Effect.gen(function*() {
    const { client } = yield* alice.join(ticket, ["fuzz"])
    yield* client.frames.sendRaw(bytes)
    yield* client.frames.finish
    return yield* client.nextAnswer.pipe(
      Effect.map((answer): Outcome => ({ _tag: "Answer", type: answer.type })),
      Effect.catch(() =>
        client.closed.pipe(Effect.map((close): Outcome => ({ _tag: "Closed", code: close.code ?? -1 })))
      )
    )
  })).pipe(Effect.timeout("5 seconds"), Effect.orDie)

const expectProtocolOutcome = (outcome: Outcome) => {
  if (outcome._tag === "Answer") expect(["Ack", "Reject"]).toContain(outcome.type)
  else expect(protocolCloseCodes).toContain(outcome.code)
}

/** A frame header and codec byte around a body, with the length right or wrong. */
const frameArbitrary = fc.record({
  codec: fc.constantFrom(0, 1, 2, 255),
  body: fc.oneof(
    fc.uint8Array({ maxLength: 256 }),
    fc.json().map((json) => new TextEncoder().encode(json)),
    fc.object().map((value) => new TextEncoder().encode(JSON.stringify({ type: "SyncUnit", ...value })))
  ),
  lengthDelta: fc.constantFrom(0, 0, 0, -1, 1, 1_000_000)
}).map(({ body, codec, lengthDelta }) => {
  const frame = new Uint8Array(5 + body.length)
  new DataView(frame.buffer).setUint32(0, Math.max(0, 1 + body.length + lengthDelta))
  frame[4] = codec
  frame.set(body, 5)
  return frame
})

const unitArbitrary = fc.record({
  batch: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constantFrom(0, -1, 1.5)),
  workspaceId: fc.constantFrom("fuzz", "other", "", "bad workspace"),
  fromPeer: fc.constantFrom(alice.endpointId, "0".repeat(64), "nope"),
  sequences: fc.array(fc.integer({ min: -1, max: 5 }), { minLength: 0, maxLength: 5 }),
  url: fc.oneof(fc.webUrl(), fc.constant(""), fc.string())
}).map(({ batch, fromPeer, sequences, url, workspaceId }) => ({
  type: "SyncUnit",
  batch,
  workspaceId,
  fromPeer,
  intents: sequences.map((sequence) => ({
    authoredBy: alice.endpointId,
    authoredAt: 1,
    sequence,
    intent: { type: "AddNode", nodeId: "0f8fad5b-d9cb-469f-a165-70867728950e", url }
  }))
}))

describe("a live worker under random input", () => {
  it.live("answers or closes with a protocol code, and then serves a good peer", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const context = yield* Effect.context<never>()
      const run = <A>(effect: Effect.Effect<A>) => Effect.runPromiseWith(context)(effect)
      const check = (bytes: Uint8Array) => run(throwAtWorker(ticket, bytes).pipe(Effect.map(expectProtocolOutcome)))

      yield* Effect.promise(() =>
        fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2048 }), (bytes) => check(bytes)), {
          numRuns: runs
        })
      )
      yield* Effect.promise(() =>
        fc.assert(fc.asyncProperty(frameArbitrary, (frame) => check(frame)), { numRuns: runs })
      )
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(unitArbitrary, fc.nat(), (unit, cut) => {
            const frame = encodeFrame(unit, "json")
            return check(frame.subarray(0, cut % frame.length))
          }),
          { numRuns: runs }
        )
      )
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            unitArbitrary,
            fc.constantFrom("json" as const, "deflate" as const),
            (unit, codec) => check(encodeFrame(unit, codec))
          ),
          { numRuns: runs }
        )
      )

      const { client } = yield* alice.join(ticket, ["good"])
      const [outcome] = yield* SyncClient.sendUnits(client, [{ workspaceId: "good", intents: alice.intents(1, 3) }], {
        maxInFlight: 1
      })
      expect(outcome!.answer).toMatchObject({ type: "Ack", applied: 3 })
      const state = yield* SubscriptionRef.get(yield* SyncStateService)
      expect(state.restarts).toBe(0)
      expect(state.status).toBe("running")
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers, handshakeTimeoutMs: 2000 }))), { timeout: 120_000 })
})
