/**
 * A batch of intents a dialer sends to one workspace (PROTOCOL.md §3.3), and
 * the decoder the session runs on every one that arrives. The decoder checks
 * the schema only; who may send it, whether its sequences fit, and whether it
 * is too large are checked later by the session and the reducer.
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import { EndpointId, WorkspaceId } from "./Identifiers.ts"
import { firstIssue } from "./SchemaIssues.ts"
import { SyncedIntent } from "./SyncedIntent.ts"

/**
 * One unit. `batch` numbers units within a session; `intents` holds at least
 * one intent. The upper bound on intents (`maxBatchIntents`) is configurable,
 * so it is not part of the schema: the session checks it and answers
 * `TooManyIntents`.
 */
export const SyncUnit = Schema.Struct({
  type: Schema.Literal("SyncUnit"),
  batch: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)),
  workspaceId: WorkspaceId,
  fromPeer: EndpointId,
  // A plain array with a minimum, not NonEmptyArray: an empty one then fails at
  // `intents` itself rather than at a missing `intents[0]`, as the vectors ask.
  intents: Schema.Array(SyncedIntent).check(Schema.isMinLength(1, { expected: "at least one intent" }))
})

/** A sync unit as decoded by {@link SyncUnit}. */
export type SyncUnit = typeof SyncUnit.Type

/**
 * Why a unit failed its schema, the first problem found. `path` names where,
 * as in `intents[3].intent.url` (the empty string is the unit itself);
 * `message` is one line that starts with the path, ready to send in a Reject
 * with code `InvalidUnit`.
 */
export interface InvalidUnitIssue {
  readonly path: string
  readonly message: string
}

// Built once: a decoder compiles its schema on creation, and every unit of
// every session goes through it.
const decodeUnit = Schema.decodeUnknownResult(SyncUnit)

// Failures are decoded a second time with the input reported, so the message
// can say what was found; the fast path never pays for that.
const decodeUnitReporting = Schema.decodeUnknownResult(SyncUnit, { reportInput: true })

// A peer controls the offending value, so its echo in a message is bounded.
const maxMessageLength = 200

/**
 * Decodes a unit from parsed JSON. Succeeds with the unit, or fails with the
 * first schema problem found as an {@link InvalidUnitIssue}. Unknown fields
 * anywhere are dropped, not refused.
 *
 * Returns an effect `Result` rather than an `Effect`: decoding is pure and hot
 * (every intent of every unit passes through it), and a session can lift the
 * result into its own error channel with `Effect.fromResult` or match on it.
 */
export const decodeSyncUnit = (input: unknown): Result.Result<SyncUnit, InvalidUnitIssue> =>
  Result.mapError(decodeUnit(input), () => describeFailure(input))

const describeFailure = (input: unknown): InvalidUnitIssue => {
  const failure = decodeUnitReporting(input)
  const { detail, path } = Result.isFailure(failure)
    ? firstIssue(failure.failure.issue)
    : { path: "", detail: "invalid unit" }
  const message = `${path === "" ? "unit" : path}: ${detail}`
  return {
    path,
    message: message.length > maxMessageLength ? `${message.slice(0, maxMessageLength - 1)}…` : message
  }
}
