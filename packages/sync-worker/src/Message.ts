/**
 * The session messages of graphshell-sync/1 other than SyncUnit (PROTOCOL.md
 * §3.1–3.5): `Hello` and `Welcome`, which open a session, and `Ack` and
 * `Reject`, which answer each unit. For each: its schema, a constructor that
 * writes its keys in the order the protocol shows, and a decoder that turns a
 * bad one into the `ProtocolError` that closes the session.
 *
 * The SyncUnit schema lives with the domain in `@verse-sync/intent`; deciding
 * what to answer a unit is `UnitValidation.ts`.
 *
 * @since 0.1.0
 */
import { describeIssue, EndpointId, shortId, SyncUnit, VersionVector, WorkspaceId } from "@verse-sync/intent"
import { Predicate, Result, Schema } from "effect"
import { CloseCode, ProtocolError, protocolViolation } from "./CloseCode.ts"

/** The protocol version this package speaks, sent in Hello and Welcome. */
export const protocolVersion = 1

/** An integer as the wire carries it: 0 to 2^53 − 1 (PROTOCOL.md §3). */
const WireInt = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))

const PositiveInt = WireInt.check(Schema.isGreaterThanOrEqualTo(1))

/** Ack and Reject name the unit they answer by its batch number, so they share its schema. */
const BatchNumber = SyncUnit.fields.batch

/**
 * Counted in code points, as `@verse-sync/intent` counts titles and tags: the
 * protocol says "characters", and an emoji is one to a person.
 */
const Agent = Schema.String.check(Schema.isMaxCodePoints(128))

/**
 * The first frame a dialer sends (§3.1): the protocol it speaks, who it says
 * it is, optionally its software, and up to 64 workspaces it intends to send
 * to. Decode it with {@link decodeHello}, which also checks the version and
 * the identity.
 */
export const Hello = Schema.Struct({
  type: Schema.Literal("Hello"),
  protocol: WireInt,
  endpointId: EndpointId,
  agent: Schema.optionalKey(Agent),
  workspaces: Schema.Array(WorkspaceId).check(Schema.isMaxLength(64))
})

/** A Hello as decoded by {@link Hello}. */
export type Hello = typeof Hello.Type

/**
 * The limits the acceptor enforces, announced in Welcome so a dialer can size
 * its units and its pipeline. `maxInflatedBytes` is not announced: a dialer
 * that stays under `maxFrameBytes` with plain JSON never meets it.
 */
export const AnnouncedLimits = Schema.Struct({
  maxFrameBytes: PositiveInt,
  maxBatchIntents: PositiveInt,
  maxInFlight: PositiveInt
})

/** Announced limits as decoded by {@link AnnouncedLimits}. */
export type AnnouncedLimits = typeof AnnouncedLimits.Type

/**
 * The acceptor's answer to Hello (§3.2): its identity, its limits and, for
 * each requested workspace the dialer may write to, its version vector there.
 * A workspace the dialer may not write to is left out.
 */
export const Welcome = Schema.Struct({
  type: Schema.Literal("Welcome"),
  protocol: WireInt,
  endpointId: EndpointId,
  agent: Schema.optionalKey(Agent),
  limits: AnnouncedLimits,
  // A key that is not a workspace id fails the decode rather than being dropped, as in VersionVector.
  versionVectors: Schema.Record(Schema.String, VersionVector).check(Schema.isPropertyNames(WorkspaceId))
})

/** A Welcome as decoded by {@link Welcome}. */
export type Welcome = typeof Welcome.Type

/**
 * The answer to a unit that was applied (§3.4): how many of its intents were
 * applied, how many were duplicates already held, and the workspace's version
 * vector afterwards.
 */
export const Ack = Schema.Struct({
  type: Schema.Literal("Ack"),
  batch: BatchNumber,
  applied: WireInt,
  duplicates: WireInt,
  versionVector: VersionVector
})

/** An Ack as decoded by {@link Ack}. */
export type Ack = typeof Ack.Type

/** Why a unit was rejected (§3.5). Nothing of a rejected unit is applied; the session stays open. */
export const RejectCode = Schema.Literals(["InvalidUnit", "NotAuthor", "SequenceGap", "AccessDenied", "TooManyIntents"])

/** A reject code as decoded by {@link RejectCode}. */
export type RejectCode = typeof RejectCode.Type

/**
 * The answer to a unit that was not applied (§3.5): a code for software, a
 * one-line message for people and, when the workspace is known and readable,
 * its version vector so the dialer can correct and resend.
 */
export const Reject = Schema.Struct({
  type: Schema.Literal("Reject"),
  batch: BatchNumber,
  code: RejectCode,
  message: Schema.String,
  versionVector: Schema.optionalKey(VersionVector)
})

/** A Reject as decoded by {@link Reject}. */
export type Reject = typeof Reject.Type

/**
 * Builds a Hello with the keys in protocol order (`type`, `protocol`,
 * `endpointId`, `agent`, `workspaces`), so `encodeFrame` writes the bytes of
 * the test vectors. `agent` is left out, not written as `null`, when not
 * given. Nothing is validated: the values come from this device.
 */
export const makeHello = (hello: {
  readonly endpointId: EndpointId
  readonly agent?: string
  readonly workspaces: ReadonlyArray<WorkspaceId>
}): Hello => ({
  type: "Hello",
  protocol: protocolVersion,
  endpointId: hello.endpointId,
  ...(hello.agent === undefined ? {} : { agent: hello.agent }),
  workspaces: hello.workspaces
})

/**
 * Builds a Welcome with the keys in protocol order. `limits` may be a whole
 * `Limits`: only the three announced ones are written, in their order.
 *
 * **Gotchas**
 *
 * `versionVectors` and the vectors in it are written in their own key order,
 * which for a JavaScript object is insertion order, except that keys that look
 * like array indices (a workspace named `2024`) come first, in numeric order.
 */
export const makeWelcome = (welcome: {
  readonly endpointId: EndpointId
  readonly agent?: string
  readonly limits: AnnouncedLimits
  readonly versionVectors: Welcome["versionVectors"]
}): Welcome => ({
  type: "Welcome",
  protocol: protocolVersion,
  endpointId: welcome.endpointId,
  ...(welcome.agent === undefined ? {} : { agent: welcome.agent }),
  limits: {
    maxFrameBytes: welcome.limits.maxFrameBytes,
    maxBatchIntents: welcome.limits.maxBatchIntents,
    maxInFlight: welcome.limits.maxInFlight
  },
  versionVectors: welcome.versionVectors
})

/** Builds an Ack with the keys in protocol order (`type`, `batch`, `applied`, `duplicates`, `versionVector`). */
export const makeAck = (ack: {
  readonly batch: number
  readonly applied: number
  readonly duplicates: number
  readonly versionVector: VersionVector
}): Ack => ({
  type: "Ack",
  batch: ack.batch,
  applied: ack.applied,
  duplicates: ack.duplicates,
  versionVector: ack.versionVector
})

/**
 * Builds a Reject with the keys in protocol order (`type`, `batch`, `code`,
 * `message`, `versionVector`). `versionVector` is left out when not given: the
 * workspace is unknown or the dialer may not read it.
 */
export const makeReject = (reject: {
  readonly batch: number
  readonly code: RejectCode
  readonly message: string
  readonly versionVector?: VersionVector
}): Reject => ({
  type: "Reject",
  batch: reject.batch,
  code: reject.code,
  message: reject.message,
  ...(reject.versionVector === undefined ? {} : { versionVector: reject.versionVector })
})

// The version is read first and alone, so that a Hello for another version is
// told apart from a malformed one: a future version's Hello may have other
// fields, and must be answered with close code 9, not 2.
const MessageVersion = Schema.Struct({ protocol: WireInt })
const decodeMessageVersion = Schema.decodeUnknownResult(MessageVersion)
const decodeHelloFields = Schema.decodeUnknownResult(Hello)
const decodeWelcomeFields = Schema.decodeUnknownResult(Welcome)
const decodeAckFields = Schema.decodeUnknownResult(Ack)
const decodeRejectFields = Schema.decodeUnknownResult(Reject)

/**
 * Decides what to do with the first message of a session, on the acceptor.
 * In the order of PROTOCOL.md §3.1:
 *
 * 1. not a Hello (`type` is something else): close code 2;
 * 2. `protocol` missing or not an integer: code 2; an integer other than 1:
 *    code 9, whatever the rest of the message holds;
 * 3. any other field missing or malformed: code 2, the reason naming the path;
 * 4. `endpointId` not the identity proven in the QUIC handshake: code 2.
 *
 * Otherwise the Hello, with unknown fields dropped.
 */
export const decodeHello = (
  message: unknown,
  context: { readonly remoteEndpointId: string }
): Result.Result<Hello, ProtocolError> => {
  const refused = checkVersion(message, "Hello")
  if (refused !== undefined) return Result.fail(refused)

  const hello = decodeHelloFields(message)
  if (Result.isFailure(hello)) {
    return Result.fail(protocolViolation(`Hello ${describeIssue(hello.failure.issue, "message")}`))
  }

  const { endpointId } = hello.success
  if (endpointId !== context.remoteEndpointId) {
    return Result.fail(
      protocolViolation(
        `Hello names ${shortId(endpointId)} but the handshake proved ${shortId(context.remoteEndpointId)}`
      )
    )
  }
  return Result.succeed(hello.success)
}

/**
 * Reads the acceptor's answer to Hello, on the dialer, with the same rules as
 * {@link decodeHello}: not a Welcome, or malformed, is close code 2; a
 * protocol other than 1 is close code 9, as the dialer cannot go on in it.
 */
export const decodeWelcome = (message: unknown): Result.Result<Welcome, ProtocolError> => {
  const refused = checkVersion(message, "Welcome")
  if (refused !== undefined) return Result.fail(refused)

  return Result.mapError(
    decodeWelcomeFields(message),
    (error) => protocolViolation(`Welcome ${describeIssue(error.issue, "message")}`)
  )
}

/**
 * Reads the acceptor's answer to a unit, on the dialer: an Ack or a Reject.
 * Anything else, or a malformed one, fails with close code 2.
 */
export const decodeAnswer = (message: unknown): Result.Result<Ack | Reject, ProtocolError> => {
  const type = Predicate.hasProperty(message, "type") ? message.type : undefined
  const answer: Result.Result<Ack | Reject, Schema.SchemaError> | undefined = type === "Ack"
    ? decodeAckFields(message)
    : type === "Reject"
    ? decodeRejectFields(message)
    : undefined
  if (answer === undefined) {
    return Result.fail(protocolViolation(`expected Ack or Reject, got ${describeType(message)}`))
  }
  return Result.mapError(answer, (error) => protocolViolation(`${type} ${describeIssue(error.issue, "message")}`))
}

/** The error that ends the session if `message` is not a `type` message of this protocol version. */
const checkVersion = (message: unknown, type: "Hello" | "Welcome"): ProtocolError | undefined => {
  if (!Predicate.hasProperty(message, "type") || message.type !== type) {
    return protocolViolation(`expected ${type}, got ${describeType(message)}`)
  }
  const version = decodeMessageVersion(message)
  if (Result.isFailure(version)) return protocolViolation(`${type} ${describeIssue(version.failure.issue, "message")}`)
  const { protocol } = version.success
  if (protocol === protocolVersion) return undefined
  return new ProtocolError({
    closeCode: CloseCode.UnsupportedProtocol,
    reason: `${type} asks for protocol ${protocol}; only ${protocolVersion} is spoken here`
  })
}

/**
 * The `type` of a message for a reason. It is echoed only when it is a short
 * word: the peer chose it, and the reason is logged and sent back.
 */
const describeType = (message: unknown): string => {
  if (!Predicate.hasProperty(message, "type")) return "a message without a type"
  const { type } = message
  return Predicate.isString(type) && /^[A-Za-z]{1,32}$/.test(type) ? type : "a message with an unknown type"
}
