import { describe, expect, it } from "@effect/vitest"
import { Vectors } from "@verse-sync/sync-worker/testing"
import { Result } from "effect"
import { CloseCode } from "../src/CloseCode.ts"
import { type UnitValidationContext, validateUnit } from "../src/UnitValidation.ts"

const { vectors } = Vectors
type Vector = Vectors.MessageVector

const dialer = vectors.keys.dialer.endpointId
const stranger = vectors.keys.stranger.endpointId
const context: UnitValidationContext = { remoteEndpointId: dialer, maxBatchIntents: 1000 }

const validUnits = vectors.valid.filter((vector) => vector.message.type === "SyncUnit")
const answeredHere = vectors.rejects.filter((vector) => vector.reject !== "SequenceGap")
const sequenceGaps = vectors.rejects.filter((vector) => vector.reject === "SequenceGap")

const oneIntentUnit = validUnits.find((vector) => vector.name === "sync-unit-one-intent")!.message
const intentOf = (unit: Vector["message"]) => (unit.intents as ReadonlyArray<unknown>)[0]

/** A unit of the one-intent vector with `count` copies of its intent, or of `intent` when given. */
const unitOf = (count: number, intent: unknown = intentOf(oneIntentUnit)) => ({
  ...oneIntentUnit,
  intents: Array(count).fill(intent)
})

/** What the acceptor answers: the close code, the Reject code with its message, or "valid". */
const decision = (message: object, within: UnitValidationContext = context) => {
  const validated = validateUnit(message, within)
  if (Result.isSuccess(validated)) return { valid: true }
  const failure = validated.failure
  return failure._tag === "ProtocolError"
    ? { close: failure.closeCode }
    : { reject: failure.code, batch: failure.batch, message: failure.message }
}

describe("validateUnit", () => {
  it.each(validUnits)("accepts the $name vector as the unit it carries, unknown fields dropped", (vector) => {
    const { note: _, ...known } = vector.message

    expect(validateUnit(vector.message, context)).toEqual(Result.succeed(known))
  })

  it.each(answeredHere)("answers the $name vector with $reject", (vector) => {
    expect(decision(vector.message)).toMatchObject({ reject: vector.reject, batch: vector.message.batch })
  })

  it.each(answeredHere.filter((vector) => vector.path !== undefined))(
    "names the path $path of the $name vector in the InvalidUnit message",
    (vector) => {
      const answer = decision(vector.message)

      expect(answer.message).toMatch(new RegExp(`^${vector.path!.replace(/[.[\]]/g, "\\$&")}: \\S`))
    }
  )

  it.each(sequenceGaps)("passes the $name vector on, as its sequences are the reducer's to judge", (vector) => {
    expect(decision(vector.message)).toEqual({ valid: true })
  })

  it("names fromPeer and both short ids when the unit claims another sender", () => {
    expect(decision({ ...oneIntentUnit, fromPeer: stranger }).message).toBe(
      "fromPeer 32b53e882e is not the sending peer 79b5562e8f"
    )
  })

  it("names the first intent authored by someone else", () => {
    const foreign = { ...(intentOf(oneIntentUnit) as object), authoredBy: stranger }
    const unit = { ...oneIntentUnit, intents: [intentOf(oneIntentUnit), foreign] }

    expect(decision(unit).message).toMatch(/^intents\[1\]\.authoredBy 32b53e882e is not the sending peer 79b5562e8f/)
  })

  it("accepts exactly maxBatchIntents intents and answers one more with TooManyIntents", () => {
    expect(decision(unitOf(1000))).toEqual({ valid: true })
    expect(decision(unitOf(1001))).toEqual({
      reject: "TooManyIntents",
      batch: 1,
      message: "unit has 1001 intents; the limit is 1000"
    })
  })

  it("counts intents before decoding any of them", () => {
    expect(decision(unitOf(11, "not an intent"), { ...context, maxBatchIntents: 10 })).toMatchObject({
      reject: "TooManyIntents"
    })
  })

  it("checks the schema before the authors", () => {
    const unit = { ...unitOf(1, { ...(intentOf(oneIntentUnit) as object), authoredBy: stranger }), workspaceId: "" }

    expect(decision(unit)).toMatchObject({ reject: "InvalidUnit" })
  })

  it.each([
    { what: "null", batch: null },
    { what: "zero", batch: 0 },
    { what: "negative", batch: -1 },
    { what: "fractional", batch: 1.5 },
    { what: "a string", batch: "1" },
    { what: "beyond 2^53 - 1", batch: 2 ** 53 }
  ])("closes with code 2 when batch is $what, as the unit cannot be answered", ({ batch }) => {
    expect(decision({ ...oneIntentUnit, batch })).toEqual({ close: CloseCode.ProtocolViolation })
  })

  it("closes with code 2 on a message other than a SyncUnit, even one with a batch", () => {
    expect(decision({ type: "Ack", batch: 1, applied: 0, duplicates: 0, versionVector: {} })).toEqual({
      close: CloseCode.ProtocolViolation
    })
  })
})
