import { describe, expect, it } from "@effect/vitest"
import { encodeFrame, SyncClient, SyncStateService } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Effect, SubscriptionRef } from "effect"

const slow = TestPeer.make()
const good = TestPeer.make()
const peers = [slow, good].map((peer) => ({ endpointId: peer.endpointId, role: "self" as const }))

// About 135 bytes an Ack: 12,000 of them overfill the ~1.25 MB a QUIC stream buffers for a reader that never reads.
const units = 12_000

/** All the slow peer's units, one intent each, as one buffer of frames. */
const unreadUnits = (): Uint8Array => {
  const frames = Array.from({ length: units }, (_, index) =>
    encodeFrame({
      type: "SyncUnit",
      batch: index + 1,
      workspaceId: "slow",
      fromPeer: slow.endpointId,
      intents: slow.intents(index + 1, 1)
    }, "deflate"))
  const all = new Uint8Array(frames.reduce((size, frame) => size + frame.length, 0))
  frames.reduce((offset, frame) => (all.set(frame, offset), offset + frame.length), 0)
  return all
}

describe("a peer that never reads its answers", () => {
  it.live("stalls only its own session: another peer is served meanwhile", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const { client } = yield* slow.join(ticket, ["slow"])
      yield* client.frames.sendRaw(unreadUnits()).pipe(Effect.forkScoped)

      // Stalled: the count of answered units stops growing short of what was sent.
      const ref = yield* SyncStateService
      const acked = SubscriptionRef.get(ref).pipe(Effect.map((state) => state.totals.units))
      let before = -1
      let now = yield* acked
      while (now !== before) {
        yield* Effect.sleep("700 millis")
        before = now
        now = yield* acked
      }
      expect(now).toBeLessThan(units)

      const { client: goodClient, welcome } = yield* good.join(ticket, ["fine"])
      const [outcome] = yield* SyncClient.sendUnits(
        goodClient,
        [{ workspaceId: "fine", intents: good.intents(1, 10) }],
        {
          maxInFlight: welcome.limits.maxInFlight
        }
      )
      expect(outcome!.answer).toMatchObject({ type: "Ack", applied: 10 })
      expect(yield* acked).toBe(now + 1)
    }).pipe(Effect.scoped, Effect.provide(TestWorker.layer({ peers }))), { timeout: 90_000 })
})
