/**
 * The QUIC application close codes of graphshell-sync/1 (PROTOCOL.md §4), with
 * their names and a default short reason, and `ProtocolError`: the value a
 * session fails with when it must close the connection with one of them.
 *
 * A close code is what the peer's software acts on; the reason is for the
 * person reading its log, so it is short, ASCII and carries no secrets.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The close codes by name, `CloseCode.Normal` (0) to
 * `CloseCode.UnsupportedProtocol` (9). The numbers are part of the wire
 * contract: never renumber, only add.
 */
export const CloseCode = {
  /** Done, or closed after being idle. */
  Normal: 0,
  /** The handshake identity is not in the trust store. */
  NotTrusted: 1,
  /** A bad frame or codec, an unexpected message, a Hello naming someone else, a repeated batch number. */
  ProtocolViolation: 2,
  /** A frame, or the inflated body of one, over its limit. */
  FrameTooLarge: 3,
  /** No Hello within the handshake timeout. */
  HandshakeTimeout: 4,
  /** The acceptor is at its connection limit. */
  Overloaded: 5,
  /** The acceptor is stopping or restarting. */
  ShuttingDown: 6,
  /** A newer session from the same peer replaced this one. */
  Superseded: 7,
  /** The peer's trust was removed during the session. */
  Revoked: 8,
  /** The Hello asked for a protocol version other than 1. */
  UnsupportedProtocol: 9
} as const

/** One of the close codes 0 to 9. */
export type CloseCode = typeof CloseCode[keyof typeof CloseCode]

/** The name of a close code, as PROTOCOL.md writes it (`"NotTrusted"`). */
export type CloseCodeName = keyof typeof CloseCode

/** The name of each close code, for diagnostics: `CloseCodeName[1]` is `"NotTrusted"`. */
export const CloseCodeName: { readonly [Code in CloseCode]: CloseCodeName } = {
  0: "Normal",
  1: "NotTrusted",
  2: "ProtocolViolation",
  3: "FrameTooLarge",
  4: "HandshakeTimeout",
  5: "Overloaded",
  6: "ShuttingDown",
  7: "Superseded",
  8: "Revoked",
  9: "UnsupportedProtocol"
}

/**
 * The reason sent with each close code when there is nothing more specific to
 * say. Peers and tests match these strings (`"not trusted"` for code 1), so
 * they are part of the contract too.
 */
export const DefaultCloseReason: { readonly [Code in CloseCode]: string } = {
  0: "done",
  1: "not trusted",
  2: "protocol violation",
  3: "frame too large",
  4: "handshake timeout",
  5: "overloaded",
  6: "shutting down",
  7: "superseded",
  8: "revoked",
  9: "unsupported protocol"
}

/**
 * The schema of a close code: an integer from 0 to 9. Useful to tell a code
 * this version knows from one a newer peer sent (`Schema.is(CloseCodeSchema)`).
 */
export const CloseCodeSchema = Schema.Literals([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])

/**
 * Why a session must end, and with which close code. `reason` is one line for
 * a person ("frame of 2000000 bytes is over the limit of 1048576"); the
 * session logs it and may send it as the close reason.
 *
 * A bad peer is an expected failure of its session, so this is a value in the
 * error channel, never a defect.
 */
export class ProtocolError extends Schema.TaggedError<ProtocolError>()("ProtocolError", {
  closeCode: CloseCodeSchema,
  reason: Schema.String
}) {
  override get message(): string {
    return `${CloseCodeName[this.closeCode]} (${this.closeCode}): ${this.reason}`
  }
}

/** A `ProtocolError` with close code 2, `ProtocolViolation`: the most common way a session ends badly. */
export const protocolViolation = (reason: string): ProtocolError =>
  new ProtocolError({ closeCode: CloseCode.ProtocolViolation, reason })
