/**
 * The checks a SyncUnit passes on the acceptor before it goes anywhere near
 * the reducer, in the order of their cost (PROTOCOL.md §3.3, §3.5): can it be
 * answered at all, is it too large, is it well formed, did the peer author
 * everything in it.
 *
 * What needs state is checked elsewhere: whether the batch number rises
 * (the session), whether the peer may write to the workspace (the session,
 * from its grants: `AccessDenied`), whether the sequences fit the version
 * vector (the reducer: `SequenceGap`).
 *
 * @since 0.1.0
 */
import { decodeSyncUnit, shortId, SyncUnit } from "@verse-sync/intent"
import { Predicate, Result, Schema } from "effect"
import { type ProtocolError, protocolViolation } from "./CloseCode.ts"
import { RejectCode } from "./Message.ts"

/**
 * A unit that will not be applied, and why: what the acceptor answers with a
 * Reject (`makeReject({ ...rejected, versionVector })`). The session stays
 * open; the dialer may correct the unit and send it again.
 */
export class UnitRejected extends Schema.TaggedError<UnitRejected>()("UnitRejected", {
  batch: SyncUnit.fields.batch,
  code: RejectCode,
  message: Schema.String
}) {}

/** What {@link validateUnit} needs to know about the session. */
export interface UnitValidationContext {
  /** The endpoint id proven in the QUIC handshake: the only author a unit may carry. */
  readonly remoteEndpointId: string
  /** The most intents a unit may carry, as announced in Welcome. */
  readonly maxBatchIntents: number
}

const hasBatch = Schema.is(Schema.Struct({ batch: SyncUnit.fields.batch }))

/**
 * Checks a message that arrived after Welcome, cheapest check first, and
 * stops at the first that fails:
 *
 * 1. not a SyncUnit, or its `batch` is not a positive integer: there is no
 *    unit to answer, so a `ProtocolError` with close code 2;
 * 2. `intents` is an array longer than `maxBatchIntents`: `TooManyIntents`,
 *    decided before any intent is decoded;
 * 3. the schema: `InvalidUnit`, the message naming the path of the first
 *    problem (`intents[0].intent.url: Expected a string …`);
 * 4. `fromPeer` or an `authoredBy` is not the handshake identity:
 *    `NotAuthor`, the message naming the field and both short ids.
 *
 * Otherwise the decoded unit, unknown fields dropped.
 */
export const validateUnit = (
  message: object,
  context: UnitValidationContext
): Result.Result<SyncUnit, UnitRejected | ProtocolError> => {
  if (!Predicate.hasProperty(message, "type") || message.type !== "SyncUnit") {
    return Result.fail(protocolViolation("expected a SyncUnit after Welcome"))
  }
  if (!hasBatch(message)) {
    return Result.fail(protocolViolation("SyncUnit batch is not a positive integer, so it cannot be answered"))
  }
  const { batch } = message
  const reject = (code: RejectCode, text: string) => Result.fail(new UnitRejected({ batch, code, message: text }))

  if (Predicate.hasProperty(message, "intents") && Array.isArray(message.intents)) {
    const count = message.intents.length
    if (count > context.maxBatchIntents) {
      return reject("TooManyIntents", `unit has ${count} intents; the limit is ${context.maxBatchIntents}`)
    }
  }

  const decoded = decodeSyncUnit(message)
  if (Result.isFailure(decoded)) return reject("InvalidUnit", decoded.failure.message)
  const unit = decoded.success

  const peer = context.remoteEndpointId
  if (unit.fromPeer !== peer) {
    return reject("NotAuthor", `fromPeer ${shortId(unit.fromPeer)} is not the sending peer ${shortId(peer)}`)
  }
  const foreign = unit.intents.findIndex((intent) => intent.authoredBy !== peer)
  if (foreign !== -1) {
    const author = unit.intents[foreign]!.authoredBy
    return reject(
      "NotAuthor",
      `intents[${foreign}].authoredBy ${shortId(author)} is not the sending peer ${shortId(peer)}; ` +
        "a peer sends only what it authored"
    )
  }
  return Result.succeed(unit)
}
