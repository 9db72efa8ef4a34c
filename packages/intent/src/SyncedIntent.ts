/**
 * A graph intent as it travels between devices: stamped with who wrote it,
 * when, and its place in that author's history (PROTOCOL.md §3.3). The
 * `(authoredBy, sequence)` pair names an intent everywhere, which is how a
 * receiver recognises one it has already applied.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { GraphIntent } from "./GraphIntent.ts"
import { EndpointId, Millis, Sequence } from "./Identifiers.ts"

/**
 * One authored intent. `authoredAt` is the author's clock and informative
 * only: ordering comes from `sequence`, which rises by one with each intent
 * the author writes.
 */
export const SyncedIntent = Schema.Struct({
  authoredBy: EndpointId,
  authoredAt: Millis,
  sequence: Sequence,
  intent: GraphIntent
})

/** A synced intent as decoded by {@link SyncedIntent}. */
export type SyncedIntent = typeof SyncedIntent.Type
