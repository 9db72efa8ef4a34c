import { describe, expect, it } from "@effect/vitest"
import { Vectors } from "@verse-sync/sync-worker/testing"
import { Option, Result } from "effect"
import fc from "fast-check"
import { deflateRawSync } from "node:zlib"
import { CloseCode } from "../src/CloseCode.ts"
import { encodeFrame, FrameDecoder, type JsonObject } from "../src/Frame.ts"

const { bytesOf, vectors } = Vectors

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")

/** Pushes each chunk and takes every frame that completes, failing the test on a ProtocolError. */
const decodeAll = (chunks: ReadonlyArray<Uint8Array>, decoder = new FrameDecoder()): Array<JsonObject> => {
  const messages: Array<JsonObject> = []
  for (const chunk of chunks) {
    decoder.push(chunk)
    for (
      let taken = Result.getOrThrow(decoder.take());
      Option.isSome(taken);
      taken = Result.getOrThrow(decoder.take())
    ) {
      messages.push(taken.value)
    }
  }
  return messages
}

/** The close code the decoder ends with after `bytes`, or undefined when it did not fail. */
const closeCodeAfter = (bytes: Uint8Array, decoder = new FrameDecoder()): number | undefined => {
  decoder.push(bytes)
  const taken = decoder.take()
  return Result.isFailure(taken) ? taken.failure.closeCode : undefined
}

/** A frame with any codec byte and body, bypassing `encodeFrame`. */
const rawFrame = (codec: number, body: Uint8Array): Uint8Array => {
  const frame = new Uint8Array(5 + body.length)
  new DataView(frame.buffer).setUint32(0, body.length + 1)
  frame[4] = codec
  frame.set(body, 5)
  return frame
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

const jsonVectors = vectors.valid.filter((vector) => vector.codec === undefined)

describe("encodeFrame", () => {
  it.each(jsonVectors)("writes the message of $name as the vector's exact bytes", (vector) => {
    expect(hexOf(encodeFrame(vector.message!, "json"))).toBe(vector.hex)
  })

  it("writes a DEFLATE frame that decodes back to its message", () => {
    const deflated = vectors.valid.find((vector) => vector.codec === "deflate")!

    const frame = encodeFrame(deflated.message!, "deflate")

    expect(frame[4]).toBe(0x01)
    expect(decodeAll([frame])).toEqual([deflated.message])
  })
})

describe("FrameDecoder", () => {
  it.each(vectors.valid)("decodes the $name vector to its message", (vector) => {
    expect(decodeAll([bytesOf(vector.hex)])).toEqual([vector.message])
  })

  it.each(vectors.frameFaults.filter((vector) => vector.name !== "length-over-limit"))(
    "refuses the $name vector with close code $close",
    (vector) => {
      expect(closeCodeAfter(bytesOf(vector.hex))).toBe(vector.close)
    }
  )

  it("refuses a length over maxFrameBytes with close code 3 from the 4-byte header alone", () => {
    const vector = vectors.frameFaults.find((vector) => vector.name === "length-over-limit")!

    expect(closeCodeAfter(bytesOf(vector.hex).subarray(0, 4))).toBe(CloseCode.FrameTooLarge)
  })

  it("accepts a frame of exactly maxFrameBytes and refuses one byte more", () => {
    const limits = { maxFrameBytes: 100, maxInflatedBytes: 1000 }
    const body = (length: number) => utf8(JSON.stringify({ pad: "x".repeat(length - 10) }))

    expect(decodeAll([rawFrame(0x00, body(99))], new FrameDecoder(limits))).toHaveLength(1)
    expect(closeCodeAfter(rawFrame(0x00, body(100)), new FrameDecoder(limits))).toBe(CloseCode.FrameTooLarge)
  })

  it("accepts a DEFLATE body inflating to exactly maxInflatedBytes and refuses one byte more", () => {
    const limits = { maxFrameBytes: 1000, maxInflatedBytes: 5000 }
    const deflatedObject = (length: number) => deflateRawSync(JSON.stringify({ pad: " ".repeat(length - 10) }))

    expect(decodeAll([rawFrame(0x01, deflatedObject(5000))], new FrameDecoder(limits))).toHaveLength(1)
    expect(closeCodeAfter(rawFrame(0x01, deflatedObject(5001)), new FrameDecoder(limits))).toBe(
      CloseCode.FrameTooLarge
    )
  })

  it("refuses an unknown codec as soon as the codec byte arrives", () => {
    const vector = vectors.frameFaults.find((vector) => vector.name === "unknown-codec")!

    expect(closeCodeAfter(bytesOf(vector.hex).subarray(0, 5))).toBe(CloseCode.ProtocolViolation)
  })

  it.each([
    { what: "null", body: utf8("null") },
    { what: "a number", body: utf8("42") },
    { what: "a string", body: utf8("\"Hello\"") },
    { what: "an object after a byte order mark", body: utf8("\uFEFF{}") },
    { what: "two objects", body: utf8("{}{}") }
  ])("refuses a JSON body that is $what with close code 2", ({ body }) => {
    expect(closeCodeAfter(rawFrame(0x00, body))).toBe(CloseCode.ProtocolViolation)
  })

  it("refuses bytes after the end of a DEFLATE stream with close code 2", () => {
    const body = Buffer.concat([deflateRawSync("{}"), Buffer.from([0x00])])

    expect(closeCodeAfter(rawFrame(0x01, body))).toBe(CloseCode.ProtocolViolation)
  })

  it("refuses a DEFLATE body that inflates to invalid UTF-8 with close code 2", () => {
    expect(closeCodeAfter(rawFrame(0x01, deflateRawSync(Buffer.from([0x7b, 0xff, 0x7d]))))).toBe(
      CloseCode.ProtocolViolation
    )
  })

  it("says it needs more bytes until a frame is complete, counting what it holds", () => {
    const frame = encodeFrame({ type: "Ack" }, "json")
    const decoder = new FrameDecoder()

    decoder.push(frame.subarray(0, 3))
    expect(decoder.take()).toEqual(Result.succeed(Option.none()))
    decoder.push(frame.subarray(3, frame.length - 1))
    expect(decoder.take()).toEqual(Result.succeed(Option.none()))
    expect(decoder.bufferedBytes).toBe(frame.length - 1)

    decoder.push(frame.subarray(frame.length - 1))
    expect(decoder.take()).toEqual(Result.succeed(Option.some({ type: "Ack" })))
    expect(decoder.bufferedBytes).toBe(0)
  })

  it("takes every frame of one chunk in order and keeps the start of the next", () => {
    const frames = vectors.valid.map((vector) => bytesOf(vector.hex))
    const partial = encodeFrame({ type: "Ack", batch: 9 }, "json")
    const decoder = new FrameDecoder()

    const messages = decodeAll([Buffer.concat([...frames, partial.subarray(0, 7)])], decoder)

    expect(messages).toEqual(vectors.valid.map((vector) => vector.message))
    expect(decoder.bufferedBytes).toBe(7)
  })

  it("decodes frames split at any chunk boundaries exactly as whole ones", () => {
    const messages: Array<JsonObject> = [
      ...vectors.valid.map((vector) => vector.message!),
      { type: "Reject", message: "Zürich, 東京 and 🌈: characters of 2, 3 and 4 UTF-8 bytes" }
    ]
    const framed = fc.record({
      message: fc.constantFrom(...messages),
      codec: fc.constantFrom("json" as const, "deflate" as const)
    })

    fc.assert(
      fc.property(fc.array(framed, { minLength: 1, maxLength: 8 }), fc.array(fc.nat()), (frames, cuts) => {
        const stream = Buffer.concat(frames.map(({ codec, message }) => encodeFrame(message, codec)))
        const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b)
        const ends = [...points, stream.length]
        const chunks = [0, ...points].map((start, index) => stream.subarray(start, ends[index]))
        const decoder = new FrameDecoder()

        expect(decodeAll(chunks, decoder)).toEqual(frames.map(({ message }) => message))
        expect(decoder.bufferedBytes).toBe(0)
      })
    )
  })

  it("decodes a frame pushed one byte at a time", () => {
    const frame = bytesOf(vectors.valid.find((vector) => vector.name === "sync-unit-every-intent")!.hex)
    const oneByteChunks = Array.from(frame, (_, index) => frame.subarray(index, index + 1))

    expect(decodeAll(oneByteChunks)).toHaveLength(1)
  })

  it("stays failed after a ProtocolError, ignoring later bytes", () => {
    const decoder = new FrameDecoder()
    decoder.push(bytesOf("0000000100"))
    const first = decoder.take()

    decoder.push(encodeFrame({ type: "Ack" }, "json"))

    expect(Result.isFailure(first)).toBe(true)
    expect(decoder.take()).toEqual(first)
    expect(decoder.bufferedBytes).toBe(0)
  })
})
