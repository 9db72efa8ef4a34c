import { describe, expect, it } from "@effect/vitest"
import { Vectors } from "@verse-sync/sync-worker/testing"
import { Option, Result } from "effect"
import { CloseCode } from "../src/CloseCode.ts"
import { encodeFrame, FrameDecoder, type JsonObject } from "../src/Frame.ts"
import { defaultLimits } from "../src/Limits.ts"
import {
  type Ack,
  decodeAnswer,
  decodeHello,
  decodeWelcome,
  type Hello,
  makeAck,
  makeHello,
  makeReject,
  makeWelcome,
  type Reject,
  type Welcome
} from "../src/Message.ts"

const { vectors } = Vectors
type Vector = Vectors.MessageVector

const dialer = vectors.keys.dialer.endpointId
const stranger = vectors.keys.stranger.endpointId

const vector = (name: string): Vector => vectors.valid.find((vector) => vector.name === name)!

/** The message a vector's frame carries, as the session would see it. */
const frameMessage = (vector: Vector): JsonObject => {
  const decoder = new FrameDecoder()
  decoder.push(Buffer.from(vector.hex, "hex"))
  return Option.getOrThrow(Result.getOrThrow(decoder.take()))
}

const jsonHex = (message: object): string => Buffer.from(encodeFrame(message, "json")).toString("hex")

const helloMessage = (fields: Record<string, unknown> = {}) => ({ ...vector("hello").message, ...fields })

const helloWithout = (key: string) =>
  Object.fromEntries(Object.entries(helloMessage()).filter(([name]) => name !== key))

const closeCodeOf = <A>(result: Result.Result<A, { readonly closeCode: number }>): number | undefined =>
  Result.isFailure(result) ? result.failure.closeCode : undefined

describe("message constructors", () => {
  // The arguments are written in the reverse of wire order, so the bytes show the constructor decides the order.
  it("makeHello writes the hello vector's exact bytes", () => {
    const hello = vector("hello").message as Hello

    const made = makeHello({ workspaces: hello.workspaces, agent: hello.agent!, endpointId: hello.endpointId })

    expect(jsonHex(made)).toBe(vector("hello").hex)
  })

  it("makeHello leaves agent out when not given, as in the hello-minimal vector", () => {
    const hello = vector("hello-minimal").message as Hello

    expect(jsonHex(makeHello({ workspaces: [], endpointId: hello.endpointId }))).toBe(vector("hello-minimal").hex)
  })

  it("makeWelcome writes the welcome vector's exact bytes", () => {
    const welcome = vector("welcome").message as Welcome

    const made = makeWelcome({
      versionVectors: welcome.versionVectors,
      limits: { maxInFlight: 8, maxBatchIntents: 1000, maxFrameBytes: 1_048_576 },
      agent: welcome.agent!,
      endpointId: welcome.endpointId
    })

    expect(jsonHex(made)).toBe(vector("welcome").hex)
  })

  it("makeWelcome announces only the three announced limits of a whole Limits", () => {
    const welcome = vector("welcome").message as Welcome

    const made = makeWelcome({ ...welcome, limits: defaultLimits })

    expect(jsonHex(made)).toBe(vector("welcome").hex)
  })

  it("makeAck writes the ack vector's exact bytes", () => {
    const ack = vector("ack").message as Ack

    const made = makeAck({
      versionVector: ack.versionVector,
      duplicates: ack.duplicates,
      applied: ack.applied,
      batch: ack.batch
    })

    expect(jsonHex(made)).toBe(vector("ack").hex)
  })

  it("makeReject writes the reject vector's exact bytes", () => {
    const reject = vector("reject").message as Reject

    const made = makeReject({
      versionVector: reject.versionVector!,
      message: reject.message,
      code: reject.code,
      batch: reject.batch
    })

    expect(jsonHex(made)).toBe(vector("reject").hex)
  })

  it("makeReject leaves versionVector out when not given", () => {
    const made = makeReject({ batch: 3, code: "AccessDenied", message: "no grant for research" })

    expect(JSON.stringify(made)).toBe(
      "{\"type\":\"Reject\",\"batch\":3,\"code\":\"AccessDenied\",\"message\":\"no grant for research\"}"
    )
  })
})

describe("decodeHello", () => {
  it.each([vector("hello"), vector("hello-minimal")])("accepts the $name vector from its own endpoint", (vector) => {
    expect(decodeHello(frameMessage(vector), { remoteEndpointId: dialer })).toEqual(Result.succeed(vector.message))
  })

  it.each(vectors.sessionFaults)("refuses the $name vector with close code $close", (vector) => {
    expect(closeCodeOf(decodeHello(frameMessage(vector), { remoteEndpointId: dialer }))).toBe(vector.close)
  })

  it("names both short ids when Hello claims another identity", () => {
    const decoded = decodeHello(helloMessage({ endpointId: stranger }), { remoteEndpointId: dialer })

    expect(Result.isFailure(decoded) && decoded.failure.reason).toBe(
      "Hello names 32b53e882e but the handshake proved 79b5562e8f"
    )
  })

  it("drops unknown fields", () => {
    const decoded = decodeHello(helloMessage({ capabilities: ["zstd"] }), { remoteEndpointId: dialer })

    expect(decoded).toEqual(Result.succeed(vector("hello").message))
  })

  it("answers any other protocol with close code 9 even when the rest is unreadable", () => {
    const decoded = decodeHello({ type: "Hello", protocol: 2, endpointId: 7 }, { remoteEndpointId: dialer })

    expect(closeCodeOf(decoded)).toBe(CloseCode.UnsupportedProtocol)
  })

  it.each([
    { what: "protocol is missing", message: helloWithout("protocol") },
    { what: "protocol is a string", message: helloMessage({ protocol: "1" }) },
    { what: "protocol is fractional", message: helloMessage({ protocol: 1.5 }) },
    { what: "agent is 129 characters", message: helloMessage({ agent: "a".repeat(129) }) },
    { what: "workspaces holds 65 ids", message: helloMessage({ workspaces: Array(65).fill("research") }) },
    { what: "a workspace id has a space", message: helloMessage({ workspaces: ["my research"] }) },
    { what: "endpointId is uppercase", message: helloMessage({ endpointId: dialer.toUpperCase() }) },
    { what: "workspaces is missing", message: helloWithout("workspaces") },
    { what: "type is missing", message: helloWithout("type") },
    { what: "type is Welcome", message: vector("welcome").message }
  ])("refuses a Hello where $what with close code 2", ({ message }) => {
    expect(closeCodeOf(decodeHello(message, { remoteEndpointId: dialer }))).toBe(CloseCode.ProtocolViolation)
  })

  it("accepts an agent of 128 characters counted as a person counts them", () => {
    const decoded = decodeHello(helloMessage({ agent: "🌈".repeat(128) }), { remoteEndpointId: dialer })

    expect(Result.isSuccess(decoded)).toBe(true)
  })

  it("names the path of a malformed field in the reason", () => {
    const decoded = decodeHello(helloMessage({ workspaces: ["research", 42] }), { remoteEndpointId: dialer })

    expect(Result.isFailure(decoded) && decoded.failure.reason).toMatch(/^Hello workspaces\[1\]: /)
  })
})

describe("decodeWelcome", () => {
  it("accepts the welcome vector", () => {
    expect(decodeWelcome(frameMessage(vector("welcome")))).toEqual(Result.succeed(vector("welcome").message))
  })

  it("answers a Welcome for another protocol with close code 9", () => {
    expect(closeCodeOf(decodeWelcome({ ...vector("welcome").message, protocol: 2 }))).toBe(
      CloseCode.UnsupportedProtocol
    )
  })

  it.each([
    {
      what: "a limit is zero",
      message: { ...vector("welcome").message, limits: { ...defaultLimits, maxInFlight: 0 } }
    },
    { what: "a workspace id is empty", message: { ...vector("welcome").message, versionVectors: { "": {} } } },
    { what: "it is an Ack", message: vector("ack").message }
  ])("refuses a Welcome where $what with close code 2", ({ message }) => {
    expect(closeCodeOf(decodeWelcome(message))).toBe(CloseCode.ProtocolViolation)
  })
})

describe("decodeAnswer", () => {
  it.each([vector("ack"), vector("reject")])("accepts the $name vector", (vector) => {
    expect(decodeAnswer(frameMessage(vector))).toEqual(Result.succeed(vector.message))
  })

  it.each([
    { what: "a Welcome", message: vector("welcome").message },
    { what: "a Reject with an unknown code", message: { ...vector("reject").message, code: "Busy" } },
    { what: "an Ack with a fractional count", message: { ...vector("ack").message, applied: 1.5 } }
  ])("refuses $what with close code 2", ({ message }) => {
    expect(closeCodeOf(decodeAnswer(message))).toBe(CloseCode.ProtocolViolation)
  })
})
