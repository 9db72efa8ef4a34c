/**
 * The names and numbers every message of graphshell-sync/1 is built from
 * (PROTOCOL.md §3, "Common shapes"): who wrote something (`EndpointId`),
 * where it goes (`WorkspaceId`), which page it is about (`NodeId`), when
 * (`Millis`) and in which order (`Sequence`).
 *
 * The schemas check shape only; they add no brand, so a decoded value is a
 * plain `string` or `number` and can be compared with anything else.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * An iroh endpoint id, the ed25519 public key a peer proves in the TLS
 * handshake, written as 64 lowercase hexadecimal characters. Uppercase is
 * refused rather than folded, so one key has exactly one spelling in version
 * vectors and trust stores.
 */
export const EndpointId = Schema.String.check(
  Schema.isPattern(/^[0-9a-f]{64}$/, { expected: "an endpoint id (64 lowercase hex characters)" })
)

/** An endpoint id as decoded by {@link EndpointId}. */
export type EndpointId = typeof EndpointId.Type

/**
 * The name of a workspace: 1 to 128 characters of letters, digits and
 * `. _ : -`. The character set keeps a workspace id safe as a file name and in
 * a log line without quoting.
 */
export const WorkspaceId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9._:-]{1,128}$/, {
    expected: "a workspace id (1 to 128 of A-Z a-z 0-9 . _ : -)"
  })
)

/** A workspace id as decoded by {@link WorkspaceId}. */
export type WorkspaceId = typeof WorkspaceId.Type

/**
 * The id of a node (a page), an RFC 4122 UUID in lowercase canonical form
 * (`8-4-4-4-12` hex digits). The version digit may be 1 to 8 (RFC 9562, which
 * replaced RFC 4122, added 6 to 8) and the variant must be RFC 4122's `10xx`.
 * The nil and max UUIDs are refused: no device names a page with them.
 */
export const NodeId = Schema.String.check(
  Schema.isPattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, {
    expected: "a node id (a lowercase RFC 4122 UUID)"
  })
)

/** A node id as decoded by {@link NodeId}. */
export type NodeId = typeof NodeId.Type

/**
 * Milliseconds since the Unix epoch (UTC): an integer from 0 to 2^53 − 1, the
 * range every JSON implementation carries exactly.
 */
export const Millis = Schema.Number.check(
  Schema.isInt({ expected: "an integer number of milliseconds" }),
  Schema.isGreaterThanOrEqualTo(0)
)

/** A time in milliseconds as decoded by {@link Millis}. */
export type Millis = typeof Millis.Type

/**
 * The position of an intent in its author's history: an integer from 1 to
 * 2^53 − 1. Sequence 1 is an author's first intent; a version vector entry of
 * 0 (or none) means nothing of that author is applied yet.
 */
export const Sequence = Schema.Number.check(
  Schema.isInt({ expected: "an integer sequence" }),
  Schema.isGreaterThanOrEqualTo(1)
)

/** A sequence number as decoded by {@link Sequence}. */
export type Sequence = typeof Sequence.Type

/**
 * The short form of an endpoint id for diagnostics: its first 10 hex
 * characters, what iroh's `fmt_short` prints, so a log line here and one from
 * iroh name a peer alike.
 */
export const shortId = (endpointId: string): string => endpointId.slice(0, 10)
