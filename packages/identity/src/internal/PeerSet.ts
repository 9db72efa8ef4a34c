/**
 * The trust store's contents in memory: trusted peers by endpoint id, and the
 * trust changes that lead from one such set to another.
 */
import { Equivalence, Record } from "effect"
import type { TrustChange } from "../TrustChange.ts"
import type { Access, TrustedPeer } from "../TrustedPeer.ts"

/** Trusted peers keyed by endpoint id, in the order they are kept in the file. */
export type PeerSet = ReadonlyMap<string, TrustedPeer>

/** The peer set holding `peers`; a later entry for the same endpoint id wins. */
export const peerSetOf = (peers: Iterable<TrustedPeer>): PeerSet =>
  new Map(Array.from(peers, (peer) => [peer.endpointId, peer]))

const sameGrants = Record.makeEquivalence<string, Access>(Equivalence.strictEqual())

/**
 * Whether two entries for a peer grant the same trust: same name, role,
 * grants and added-at. `lastSeenAt` is bookkeeping, not trust: a peer
 * connecting is not a trust change.
 */
export const sameTrust = (a: TrustedPeer, b: TrustedPeer): boolean =>
  a.displayName === b.displayName && a.role === b.role && a.addedAt === b.addedAt && sameGrants(a.grants, b.grants)

/**
 * The changes that turn `before` into `after`: `Revoked` for every peer that
 * is gone, then `Trusted` for every peer that is new or whose name, role,
 * grants or added-at differ.
 */
export const changesBetween = (before: PeerSet, after: PeerSet): ReadonlyArray<TrustChange> => {
  const changes: Array<TrustChange> = []
  for (const endpointId of before.keys()) {
    if (!after.has(endpointId)) changes.push({ _tag: "Revoked", endpointId })
  }
  for (const [endpointId, peer] of after) {
    const previous = before.get(endpointId)
    if (previous === undefined || !sameTrust(previous, peer)) changes.push({ _tag: "Trusted", peer })
  }
  return changes
}

/**
 * `peers` with each peer's `lastSeenAt` raised to its time in `lastSeen`.
 * Times for peers that are not in the set are ignored. When nothing changes
 * the result is `peers` itself.
 */
export const withLastSeen = (peers: PeerSet, lastSeen: ReadonlyMap<string, number>): PeerSet => {
  let updated: Map<string, TrustedPeer> | undefined
  for (const [endpointId, at] of lastSeen) {
    const peer = peers.get(endpointId)
    if (peer !== undefined && (peer.lastSeenAt === undefined || peer.lastSeenAt < at)) {
      updated ??= new Map(peers)
      updated.set(endpointId, { ...peer, lastSeenAt: at })
    }
  }
  return updated ?? peers
}
