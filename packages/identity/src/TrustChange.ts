/**
 * A change to the trust store, as `IdentityRegistry.changes` reports it: a
 * peer was trusted (added, or its name, role or grants changed) or revoked.
 * A session watches these to close itself when its peer is revoked.
 */
import { Schema } from "effect"
import { EndpointId } from "./internal/Identifiers.ts"
import { TrustedPeer } from "./TrustedPeer.ts"

/** A peer was added to the trust store, or its name, role or grants changed; `peer` is the entry now. */
export const Trusted = Schema.TaggedStruct("Trusted", { peer: TrustedPeer })
export type Trusted = typeof Trusted.Type

/** A peer was removed from the trust store: from now on it must be refused. */
export const Revoked = Schema.TaggedStruct("Revoked", { endpointId: EndpointId })
export type Revoked = typeof Revoked.Type

/**
 * Either kind of change. A change of `lastSeenAt` alone is not a trust change
 * and is never reported.
 */
export const TrustChange = Schema.Union([Trusted, Revoked])
export type TrustChange = typeof TrustChange.Type
