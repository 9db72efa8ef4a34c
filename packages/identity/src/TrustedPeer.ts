/**
 * A trusted peer: another device whose endpoint id is in this device's trust
 * store, with what it may do here. The access rule (`canWrite`) lives next to
 * the data it reads, so every part of the sync worker asks the same question
 * the same way.
 */
import { Schema } from "effect"
import { EndpointId, Millis, WorkspaceId } from "./internal/Identifiers.ts"

/**
 * How a peer relates to this device: `self` is another device of the same
 * person and writes to every workspace; `friend` writes only where a grant
 * says `read-write`.
 */
export const Role = Schema.Literals(["self", "friend"])
export type Role = typeof Role.Type

/** What a grant allows a friend to do in one workspace. */
export const Access = Schema.Literals(["read", "read-write"])
export type Access = typeof Access.Type

/**
 * A friend's grants: workspace id to access level. A workspace that is not
 * listed is not shared with the peer at all.
 */
export const Grants = Schema.Record(Schema.String, Access).check(Schema.isPropertyNames(WorkspaceId))
export type Grants = typeof Grants.Type

/**
 * One entry of the trust store, exactly as it is kept in `trust.json`.
 * `addedAt` is when it was first trusted (kept when the entry is updated);
 * `lastSeenAt` is the last time it connected, if ever, and may lag behind by
 * up to a minute on disk (see `IdentityRegistry.markSeen`).
 */
export const TrustedPeer = Schema.Struct({
  endpointId: EndpointId,
  displayName: Schema.String,
  role: Role,
  grants: Grants,
  addedAt: Millis,
  lastSeenAt: Schema.optionalKey(Millis)
})
export type TrustedPeer = typeof TrustedPeer.Type

/**
 * Whether a peer may send intents for a workspace: a `self` peer everywhere,
 * a `friend` only where its grant for that workspace is `read-write`.
 */
export const canWrite = (peer: TrustedPeer, workspaceId: string): boolean =>
  peer.role === "self" || (Object.hasOwn(peer.grants, workspaceId) && peer.grants[workspaceId] === "read-write")

/**
 * What `IdentityRegistry.trust` takes: the endpoint id, and optionally a
 * display name, role and grants. For a peer not trusted yet, what is left out
 * defaults to the short id (first 10 hex characters) as name, role `friend`
 * and no grants; for a peer already trusted, it keeps its current value.
 * Grants, when given, replace the peer's grants as a whole.
 */
export const TrustRequest = Schema.Struct({
  endpointId: EndpointId,
  displayName: Schema.optional(Schema.String),
  role: Schema.optional(Role),
  grants: Schema.optional(Grants)
})
export type TrustRequest = typeof TrustRequest.Type
