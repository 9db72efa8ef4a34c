/**
 * Frames of graphshell-sync/1 (PROTOCOL.md §2): how one message becomes bytes
 * on the session stream and back. A frame is a 4-byte big-endian `length`,
 * a codec byte (0x00 JSON, 0x01 raw DEFLATE of JSON) and `length - 1` bytes of
 * body.
 *
 * `encodeFrame` writes one frame; `FrameDecoder` reads them back out of the
 * chunks a stream delivers, refusing a bad frame with the close code the
 * protocol asks for. What a message means is `Message.ts`'s business: a frame
 * only promises a JSON object.
 *
 * @since 0.1.0
 */
import { Option, Predicate, Result } from "effect"
import { deflateRawSync, inflateRawSync } from "node:zlib"
import { CloseCode, ProtocolError, protocolViolation } from "./CloseCode.ts"
import { defaultLimits, type Limits } from "./Limits.ts"

/** How a frame's body is written: plain UTF-8 JSON, or that JSON compressed with raw DEFLATE. */
export type FrameCodec = "json" | "deflate"

/** A message as a frame delivers it: a parsed JSON object, not yet checked against any schema. */
export type JsonObject = { readonly [key: string]: unknown }

/** The bytes of the `length` field. */
const lengthBytes = 4

/** What comes before the body: the `length` field and the codec byte. */
const headerBytes = lengthBytes + 1

/** A codec byte and at least one byte of body. */
const minFrameLength = 2

const codecByte: { readonly [Codec in FrameCodec]: number } = { json: 0x00, deflate: 0x01 }

const textEncoder = new TextEncoder()

// `fatal` makes invalid UTF-8 an error instead of U+FFFD; `ignoreBOM` keeps a
// byte order mark in the text, where JSON.parse refuses it, as PROTOCOL.md
// says bodies have none.
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/**
 * Writes `message` as one frame: `JSON.stringify`, UTF-8, and for `"deflate"`
 * raw DEFLATE at zlib's default level. With the JSON codec the bytes depend
 * only on the message, so a message built with its keys in the order
 * PROTOCOL.md shows reproduces the test vectors byte for byte.
 *
 * **Gotchas**
 *
 * - No limit is checked here: a frame longer than the receiver's
 *   `maxFrameBytes` is written and then refused by the receiver with close
 *   code 3. A sender that may build large units must measure the frame and
 *   send fewer intents per unit.
 * - `JSON.stringify` throws on a cycle or a `bigint`; messages of this
 *   protocol hold neither, so that is a bug of the caller (a defect).
 */
export const encodeFrame = (message: object, codec: FrameCodec): Uint8Array => {
  const json = textEncoder.encode(JSON.stringify(message))
  const body = codec === "json" ? json : deflateRawSync(json)

  const frame = new Uint8Array(headerBytes + body.length)
  new DataView(frame.buffer).setUint32(0, 1 + body.length)
  frame[lengthBytes] = codecByte[codec]
  frame.set(body, headerBytes)
  return frame
}

/**
 * Reads frames out of a byte stream that arrives in chunks of any size.
 * `push` each chunk as it comes, then call `take` until it says it needs more
 * bytes. Each complete frame comes out as its decoded JSON object; a frame
 * that breaks PROTOCOL.md §2 comes out as a `ProtocolError` with the close
 * code to end the session with:
 *
 * - `length` below 2, an unknown codec byte, invalid UTF-8, a byte order
 *   mark, text that is not JSON or JSON that is not an object, a DEFLATE body
 *   that does not inflate or has bytes after its end: code 2;
 * - `length` over `maxFrameBytes`: code 3, decided from the 4-byte header
 *   alone, before any byte of body is waited for;
 * - a DEFLATE body inflating past `maxInflatedBytes`: code 3. Inflating stops
 *   at the limit; the rest of the output is never allocated.
 *
 * The decoder does the work of each frame once: a frame that arrived in one
 * chunk is read in place, one split across chunks is copied once into a
 * buffer of its exact size. Nothing is scanned byte by byte.
 *
 * **Gotchas**
 *
 * - Pushed chunks are kept, not copied, until their frames are taken: do not
 *   reuse or change a chunk after pushing it.
 * - After a `ProtocolError` the decoder is finished: it drops what it holds
 *   and every later `take` returns the same error, as the session is ending.
 * - The decoder holds whatever is pushed; it never refuses bytes. A session
 *   bounds it by reading no further while a frame is being handled, and by
 *   `bufferedBytes`.
 */
export class FrameDecoder {
  #maxFrameBytes: number
  readonly #maxInflatedBytes: number

  // The unread bytes are chunks[head] from `offset`, then the chunks after it.
  // Consumed chunks are released by index rather than `shift`ed, so a stream
  // of tiny chunks costs linear time, not quadratic.
  #chunks: Array<Uint8Array | undefined> = []
  #head = 0
  #offset = 0
  #buffered = 0
  #failure: ProtocolError | undefined = undefined

  /** A decoder enforcing `limits` (by default those of PROTOCOL.md: 1 MiB frames, 8 MiB inflated). */
  constructor(limits: Pick<Limits, "maxFrameBytes" | "maxInflatedBytes"> = defaultLimits) {
    this.#maxFrameBytes = limits.maxFrameBytes
    this.#maxInflatedBytes = limits.maxInflatedBytes
  }

  /**
   * The number of bytes pushed and not yet taken as frames. Before Hello a
   * session can use it to refuse a peer that sends much more than a Hello.
   */
  get bufferedBytes(): number {
    return this.#buffered
  }

  /**
   * Changes the frame limit for the frames still to come: a session reads
   * its Hello under a small limit and everything after under the full one.
   */
  setMaxFrameBytes(maxFrameBytes: number): void {
    this.#maxFrameBytes = maxFrameBytes
  }

  /** Adds the next bytes of the stream. Empty chunks are ignored. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.#failure !== undefined) return
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
  }

  /**
   * The next frame: its JSON object (`Some`), `None` when its bytes have not
   * all arrived yet, or the `ProtocolError` that ends the session.
   */
  take(): Result.Result<Option.Option<JsonObject>, ProtocolError> {
    if (this.#failure !== undefined) return Result.fail(this.#failure)
    if (this.#buffered < lengthBytes) return needMoreBytes

    const length = this.#peekLength()
    if (length < minFrameLength) {
      return this.#finish(protocolViolation(`frame length ${length} is below the minimum of ${minFrameLength}`))
    }
    if (length > this.#maxFrameBytes) {
      return this.#finish(tooLarge(`frame length ${length} is over the limit of ${this.#maxFrameBytes}`))
    }
    if (this.#buffered < headerBytes) return needMoreBytes

    const codec = this.#peekByte(lengthBytes)
    if (codec !== codecByte.json && codec !== codecByte.deflate) {
      return this.#finish(protocolViolation(`unknown codec byte 0x${codec.toString(16).padStart(2, "0")}`))
    }
    if (this.#buffered < lengthBytes + length) return needMoreBytes

    this.#skip(headerBytes)
    const body = this.#take(length - 1)
    const message = codec === codecByte.json
      ? parseJsonObject(body)
      : Result.flatMap(inflateRaw(body, this.#maxInflatedBytes), parseJsonObject)
    if (Result.isFailure(message)) return this.#finish(message.failure)
    return Result.succeed(Option.some(message.success))
  }

  #finish(error: ProtocolError): Result.Result<never, ProtocolError> {
    this.#failure = error
    this.#chunks = []
    this.#head = 0
    this.#offset = 0
    this.#buffered = 0
    return Result.fail(error)
  }

  /** The byte at `index` past the read position; only used for the 5 header bytes, which may straddle chunks. */
  #peekByte(index: number): number {
    let chunkIndex = this.#head
    let position = this.#offset + index
    while (position >= this.#chunks[chunkIndex]!.length) {
      position -= this.#chunks[chunkIndex]!.length
      chunkIndex += 1
    }
    return this.#chunks[chunkIndex]![position]!
  }

  #peekLength(): number {
    // `* 2 ** 24` rather than `<< 24`: the shift would make lengths of 2 GiB and more negative.
    return this.#peekByte(0) * 2 ** 24 + (this.#peekByte(1) << 16) + (this.#peekByte(2) << 8) + this.#peekByte(3)
  }

  #skip(count: number): void {
    let remaining = count
    while (remaining > 0) {
      const chunk = this.#chunks[this.#head]!
      const step = Math.min(remaining, chunk.length - this.#offset)
      this.#advance(chunk, step)
      remaining -= step
    }
  }

  #take(count: number): Uint8Array {
    const first = this.#chunks[this.#head]!
    if (first.length - this.#offset >= count) {
      const bytes = first.subarray(this.#offset, this.#offset + count)
      this.#advance(first, count)
      return bytes
    }

    const bytes = new Uint8Array(count)
    let filled = 0
    while (filled < count) {
      const chunk = this.#chunks[this.#head]!
      const step = Math.min(count - filled, chunk.length - this.#offset)
      bytes.set(chunk.subarray(this.#offset, this.#offset + step), filled)
      this.#advance(chunk, step)
      filled += step
    }
    return bytes
  }

  #advance(chunk: Uint8Array, count: number): void {
    this.#offset += count
    this.#buffered -= count
    if (this.#offset < chunk.length) return

    this.#chunks[this.#head] = undefined
    this.#head += 1
    this.#offset = 0
    if (this.#head === this.#chunks.length) {
      this.#chunks = []
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#chunks.length) {
      // Drop the released slots once they are at least half the array, so the
      // array stays proportional to what is buffered at amortised O(1) a chunk.
      this.#chunks = this.#chunks.slice(this.#head)
      this.#head = 0
    }
  }
}

const needMoreBytes: Result.Result<Option.Option<JsonObject>, ProtocolError> = Result.succeed(Option.none())

/** UTF-8 bytes of one JSON object to that object, refusing anything else with close code 2. */
const parseJsonObject = (bytes: Uint8Array): Result.Result<JsonObject, ProtocolError> => {
  let text: string
  try {
    text = textDecoder.decode(bytes)
  } catch {
    return Result.fail(protocolViolation("frame body is not valid UTF-8"))
  }
  if (text.charCodeAt(0) === 0xfeff) return Result.fail(protocolViolation("frame body starts with a byte order mark"))

  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // The parser's message quotes the peer's text: keep that out of a reason that is logged and sent.
    return Result.fail(protocolViolation("frame body is not JSON"))
  }
  if (Predicate.isObject(value)) return Result.succeed(value)
  return Result.fail(protocolViolation(`frame body is a JSON ${jsonKind(value)}, not an object`))
}

const jsonKind = (value: unknown): string => value === null ? "null" : Array.isArray(value) ? "array" : typeof value

/**
 * Inflates a raw DEFLATE body, stopping at `maxInflatedBytes`. zlib's
 * `maxOutputLength` makes it give up with `ERR_BUFFER_TOO_LARGE` as soon as the
 * output would pass the limit (a 512 MiB bomb is refused in about 2 ms without
 * growing memory); `info` reports how much input the stream used, so bytes
 * after the end of the DEFLATE stream, which zlib would otherwise ignore, are
 * refused too.
 */
const inflateRaw = (body: Uint8Array, maxInflatedBytes: number): Result.Result<Uint8Array, ProtocolError> => {
  try {
    const { buffer, engine } = inflateRawSync(body, { maxOutputLength: maxInflatedBytes, info: true }) as unknown as {
      readonly buffer: Uint8Array
      readonly engine: { readonly bytesWritten: number }
    }
    if (engine.bytesWritten < body.length) {
      return Result.fail(protocolViolation(`DEFLATE body has ${body.length - engine.bytesWritten} bytes after its end`))
    }
    return Result.succeed(buffer)
  } catch (error) {
    if (Predicate.hasProperty(error, "code") && error.code === "ERR_BUFFER_TOO_LARGE") {
      return Result.fail(tooLarge(`DEFLATE body inflates past the limit of ${maxInflatedBytes} bytes`))
    }
    const code = Predicate.hasProperty(error, "code") && Predicate.isString(error.code) ? error.code : "error"
    return Result.fail(protocolViolation(`DEFLATE body does not inflate (${code})`))
  }
}

const tooLarge = (reason: string): ProtocolError => new ProtocolError({ closeCode: CloseCode.FrameTooLarge, reason })
