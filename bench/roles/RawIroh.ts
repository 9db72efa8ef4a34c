/**
 * The bare `@number0/iroh` binding, as the transport baseline uses it: an
 * endpoint bound on loopback with relays and discovery off (as
 * `Transport.bind` binds one), dialing by ticket, and the two ways bytes can
 * cross the binding.
 *
 * The binding takes and gives bytes as `number[]`. The baseline keeps them
 * that way on both sides (the sender's frames are converted once, before the
 * clock starts; the receiver never converts what it reads), which is the
 * ceiling any user of the binding can reach. `Transport.ts` also copies every
 * chunk between `number[]` and `Uint8Array`; that cost is the protocol's.
 */
import Iroh from "@number0/iroh"
import { encodeFrame, Message } from "@verse-sync/sync-worker"

/** The ALPN of the baseline: not graphshell-sync/1, as no protocol is spoken. */
export const alpn = "verse-sync-bench/raw"

const alpnBytes = Array.from(new TextEncoder().encode(alpn))

/**
 * Binds an endpoint with a fresh key on `127.0.0.1`, any port, accepting the
 * baseline's ALPN when `accepting`.
 */
export const bind = (options: { readonly accepting: boolean }) => {
  const builder = Iroh.Endpoint.builder()
  Iroh.presetMinimal(builder)
  builder.relayMode(Iroh.RelayMode.disabled())
  builder.bindAddr("127.0.0.1:0")
  if (options.accepting) builder.alpns([alpnBytes])
  return builder.bind()
}

/** The ticket peers dial an endpoint by. */
export const ticketOf = (endpoint: Iroh.Endpoint): string => Iroh.EndpointTicket.fromAddr(endpoint.addr()).toString()

/** Dials the endpoint of `ticket` with `protocol` (the baseline's ALPN by default). */
export const connect = (endpoint: Iroh.Endpoint, ticket: string, protocol: Array<number> = alpnBytes) =>
  endpoint.connect(Iroh.EndpointTicket.fromString(ticket).endpointAddr(), protocol)

/**
 * `Uint8Array` to the binding's `number[]`, as `internal/iroh.ts` does it (that
 * module is internal to sync-worker, so its loop is repeated here).
 */
export const toNative = (bytes: Uint8Array): Array<number> => {
  const out = new Array<number>(bytes.length)
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]!
  return out
}

/**
 * The answer the baseline's receiver writes for each frame: an Ack of a
 * 1000-intent unit, byte for byte the size of the real one, so the return
 * direction carries what the protocol's does.
 */
export const answerFrame: Uint8Array = encodeFrame(
  Message.makeAck({ batch: 100, applied: 1000, duplicates: 0, versionVector: { ["0".repeat(64)]: 100_000 } }),
  "json"
)

/**
 * Counts the frames that end in each chunk read from a stream, from their
 * 4-byte length prefixes alone (nothing is decoded): the least a receiver
 * must do to know when to answer.
 */
export class FrameCounter {
  #headerBytes = 0
  #length = 0
  #remaining = 0

  /** How many frames ended within `chunk`. */
  count(chunk: ArrayLike<number>): number {
    let ended = 0
    let index = 0
    while (index < chunk.length) {
      if (this.#remaining === 0) {
        this.#length = this.#length * 256 + chunk[index]!
        index += 1
        this.#headerBytes += 1
        if (this.#headerBytes === 4) {
          this.#remaining = this.#length
          this.#headerBytes = 0
          this.#length = 0
        }
        continue
      }
      const step = Math.min(this.#remaining, chunk.length - index)
      index += step
      this.#remaining -= step
      if (this.#remaining === 0) ended += 1
    }
    return ended
  }
}
