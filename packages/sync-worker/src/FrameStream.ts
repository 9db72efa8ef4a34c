/**
 * Frames over a session stream: reading whole frames out of the chunks the
 * transport delivers, and writing them. Both sides of a session use it.
 *
 * Reading is demand-driven: a chunk is read from the stream only when the
 * decoder has no complete frame buffered, so a receiver that stops asking
 * stops reading, and QUIC flow control slows the sender.
 */
import { Effect, Option, Result } from "effect"
import { CloseCode, ProtocolError } from "./CloseCode.ts"
import { encodeFrame, type FrameCodec, FrameDecoder, type JsonObject } from "./Frame.ts"
import type { Limits } from "./Limits.ts"
import type { SessionStream, TransportError } from "./Transport.ts"

export type { JsonObject }

/** Reads frames and writes messages on one session stream. */
export interface FrameStream {
  /** The next frame's message; `None` once the sender finished cleanly between frames. */
  readonly next: Effect.Effect<Option.Option<JsonObject>, ProtocolError | TransportError>
  /** Changes the frame limit for the frames still to come. */
  readonly setMaxFrameBytes: (maxFrameBytes: number) => void
  /** True when at least one more byte is buffered beyond the last frame taken. */
  readonly hasBufferedBytes: () => boolean
  readonly send: (message: object, codec?: FrameCodec) => Effect.Effect<void, TransportError>
  /** Writes bytes as they are, framed or not (for tests of faulty peers). */
  readonly sendRaw: (bytes: Uint8Array) => Effect.Effect<void, TransportError>
  /** Ends what this side sends; the other side reads the end after the last byte. */
  readonly finish: Effect.Effect<void, TransportError>
}

/** Wraps a session stream; `readChunkBytes` bounds each read from the binding. */
export const make = (
  stream: SessionStream,
  limits: Pick<Limits, "maxFrameBytes" | "maxInflatedBytes">,
  readChunkBytes: number
): FrameStream => {
  const decoder = new FrameDecoder(limits)

  const next: FrameStream["next"] = Effect.suspend(() => {
    const taken = decoder.take()
    if (Result.isFailure(taken)) return Effect.fail(taken.failure)
    if (Option.isSome(taken.success)) return Effect.succeed(taken.success)
    return stream.read(readChunkBytes).pipe(
      Effect.flatMap((chunk) => {
        if (Option.isSome(chunk)) {
          decoder.push(chunk.value)
          return next
        }
        if (decoder.bufferedBytes === 0) return Effect.succeed(Option.none())
        return Effect.fail(
          new ProtocolError({
            closeCode: CloseCode.ProtocolViolation,
            reason: `stream ended inside a frame (${decoder.bufferedBytes} bytes of it)`
          })
        )
      })
    )
  })

  return {
    next,
    setMaxFrameBytes: (maxFrameBytes) => decoder.setMaxFrameBytes(maxFrameBytes),
    hasBufferedBytes: () => decoder.bufferedBytes > 0,
    send: (message, codec = "json") => Effect.suspend(() => stream.write(encodeFrame(message, codec))),
    sendRaw: (bytes) => stream.write(bytes),
    finish: stream.finish
  }
}
