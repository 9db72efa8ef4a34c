/**
 * The size limits of graphshell-sync/1 (PROTOCOL.md §2–3, DESIGN.md
 * "Defaults"), in one place, each with the reason for its number. The
 * acceptor announces the per-session ones to the dialer in `Welcome.limits`.
 *
 * Timeouts and connection counts are not here: they bound time and sessions,
 * not the bytes and intents of one stream, and belong to the session and the
 * worker.
 *
 * @since 0.1.0
 */

/**
 * The limits one session enforces. Every field is a positive integer; see
 * {@link defaultLimits} for the numbers and why.
 */
export interface Limits {
  /** The largest `length` of a frame (codec byte plus body), checked from the 4-byte header alone. */
  readonly maxFrameBytes: number
  /** The largest JSON text a DEFLATE body may inflate to. */
  readonly maxInflatedBytes: number
  /** The most intents one SyncUnit may carry. */
  readonly maxBatchIntents: number
  /** The most SyncUnits a dialer may have sent and not yet had answered. */
  readonly maxInFlight: number
}

/**
 * The default limits, the values PROTOCOL.md names.
 *
 * **Gotchas**
 *
 * The limits do not nest: 1000 intents at the largest sizes the schema
 * allows (an 8192-character URL and a 1024-character title each) come to
 * about 9.5 MB of JSON, over both byte limits. A dialer must measure its
 * frames and send fewer intents per unit when they are large.
 */
export const defaultLimits: Limits = {
  // Bounds what one peer can make the acceptor buffer for a frame it is
  // reading. A real unit is far below it: Wikispeedia intents average 283 bytes
  // as JSON, and its largest unit of 1000 is 287 KB.
  maxFrameBytes: 1_048_576,
  // Bounds what one compressed frame can claim: DEFLATE reaches about 1000:1,
  // so a 1 MiB frame could otherwise ask for a gigabyte. Inflating stops here.
  maxInflatedBytes: 8_388_608,
  // One unit is applied or rejected whole, so this is also the most a Reject
  // throws away and the grain of the reducer's queue; 1000 keeps that small
  // while the 144k-intent Wikispeedia history still takes only 145 units.
  maxBatchIntents: 1000,
  // Enough units in the pipe to hide the round trip of a local network, few
  // enough that a session holds at most 8 frames (8 MiB) waiting for the reducer.
  maxInFlight: 8
}
