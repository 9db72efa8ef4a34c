/**
 * The shapes of PROTOCOL.md §3 that the trust store keeps: endpoint ids,
 * workspace ids and millisecond timestamps.
 *
 * Private on purpose: `@verse-sync/intent` owns the shared definitions, and
 * these are plain (unbranded) strings and numbers so they can be swapped for
 * those later without changing any public type of this package.
 */
import { Schema } from "effect"

/** An iroh endpoint id as written on the wire and in files: 64 lowercase hex characters. */
export const EndpointId = Schema.String.check(
  Schema.isPattern(/^[0-9a-f]{64}$/, { expected: "an endpoint id (64 lowercase hex characters)" })
)

/** A workspace id: 1 to 128 characters of `[A-Za-z0-9._:-]`. */
export const WorkspaceId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9._:-]{1,128}$/, { expected: "a workspace id (1 to 128 of A-Z a-z 0-9 . _ : -)" })
)

/** Milliseconds since the Unix epoch (UTC), as an integer. */
export const Millis = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** The short form of an endpoint id used in names and log lines: its first 10 hex characters (iroh's `fmtShort`). */
export const shortEndpointId = (endpointId: string): string => endpointId.slice(0, 10)
