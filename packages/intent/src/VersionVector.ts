/**
 * How much of each author's history a workspace holds (PROTOCOL.md §3): for
 * every author, the highest sequence applied with nothing missing before it.
 * A dialer reads the acceptor's vector from Welcome and sends only what lies
 * past it.
 *
 * Values are plain records, never changed in place: `withSequence` returns a
 * new one.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { EndpointId } from "./Identifiers.ts"

/**
 * The schema: an object from endpoint id to a positive integer. An author
 * that has applied nothing is left out rather than written as 0. A key that
 * is not an endpoint id is a schema error, not silently dropped.
 */
export const VersionVector = Schema.Record(
  Schema.String,
  Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1))
).check(Schema.isPropertyNames(EndpointId))

/** A version vector as decoded by {@link VersionVector}. */
export type VersionVector = typeof VersionVector.Type

/** The vector of a workspace that holds nothing yet. */
export const emptyVersionVector: VersionVector = {}

/** The highest contiguous sequence applied from `author`, 0 when none is. */
export const sequenceOf = (versionVector: VersionVector, author: EndpointId): number =>
  Object.hasOwn(versionVector, author) ? versionVector[author]! : 0

/**
 * The vector with `author`'s entry set to `sequence`. Setting 0 removes the
 * entry, so the "absent means 0" rule keeps one spelling.
 */
export const withSequence = (versionVector: VersionVector, author: EndpointId, sequence: number): VersionVector => {
  if (sequence === 0) {
    const { [author]: _, ...rest } = versionVector
    return rest
  }
  return { ...versionVector, [author]: sequence }
}
