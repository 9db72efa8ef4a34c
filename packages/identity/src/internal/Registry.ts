/**
 * The workings of `IdentityRegistry` shared by its file and memory layers:
 * the in-memory peer set that answers `lookup`, the write path that keeps it
 * and the store in step, and the stream of trust changes.
 *
 * Every write takes one lock, reads the store, applies its change to what it
 * read, saves, and only then updates memory and publishes what changed. So
 * memory never shows a peer the store does not have, and a change another
 * process made since the last refresh is kept rather than overwritten.
 */
import { Clock, Effect, Option, PubSub, Redacted, Ref, Schema, type Scope, Semaphore, Stream } from "effect"
import { IdentityError, InvalidPeer } from "../IdentityError.ts"
import type { IdentityRegistry } from "../IdentityRegistry.ts"
import type { TrustChange } from "../TrustChange.ts"
import { type TrustedPeer, TrustRequest } from "../TrustedPeer.ts"
import { describeCause } from "./describeCause.ts"
import { shortEndpointId } from "./Identifiers.ts"
import { changesBetween, type PeerSet, sameTrust, withLastSeen } from "./PeerSet.ts"
import { endpointIdOf } from "./SecretKey.ts"

/** Where a registry keeps its peers between runs: `trust.json`, or a value in memory. */
export interface TrustStore {
  readonly load: Effect.Effect<PeerSet, IdentityError>
  save(peers: PeerSet): Effect.Effect<void, IdentityError>
}

/** A trust store that lives only as long as the registry using it. */
export const memoryTrustStore = Effect.fnUntraced(function*(initial: PeerSet) {
  const stored = yield* Ref.make(initial)
  const store: TrustStore = { load: Ref.get(stored), save: (peers) => Ref.set(stored, peers) }
  return store
})

/**
 * The entry a trust request makes: the request's fields where given, else
 * the existing entry's, else the defaults. `addedAt` and `lastSeenAt` always
 * come from the existing entry when there is one.
 */
export const trustedPeerFrom = (
  request: TrustRequest,
  existing: TrustedPeer | undefined,
  now: number
): TrustedPeer => ({
  endpointId: request.endpointId,
  displayName: request.displayName ?? existing?.displayName ?? shortEndpointId(request.endpointId),
  role: request.role ?? existing?.role ?? "friend",
  grants: request.grants ?? existing?.grants ?? {},
  addedAt: existing?.addedAt ?? now,
  ...(existing?.lastSeenAt === undefined ? {} : { lastSeenAt: existing.lastSeenAt })
})

const decodeTrustRequest = Schema.decodeUnknownEffect(TrustRequest)

/** The registry's service, with the two operations only its layers use. */
export interface Registry {
  readonly service: IdentityRegistry["Service"]
  /** Reloads the store and publishes what changed in it since the last load or write. */
  readonly refresh: Effect.Effect<void, IdentityError>
  /** Saves the last-seen times recorded by `markSeen` since the last flush. */
  readonly flushLastSeen: Effect.Effect<void, IdentityError>
}

/**
 * Builds a registry for this device's `secretKey` over `store`, loading the
 * store once. The stream of changes ends when the scope closes.
 */
export const makeRegistry = Effect.fnUntraced(
  function*(secretKey: Uint8Array, store: TrustStore): Effect.fn.Return<Registry, IdentityError, Scope.Scope> {
    const self = {
      endpointId: endpointIdOf(secretKey),
      secretKey: Redacted.make(Uint8Array.from(secretKey), { label: "identity.key" })
    }
    const peers = yield* Ref.make(yield* store.load)
    // markSeen runs for every connection, so it only records here; flushLastSeen writes.
    const unsavedLastSeen = new Map<string, number>()
    const changes = yield* PubSub.unbounded<TrustChange>()
    yield* Effect.addFinalizer(() => PubSub.shutdown(changes))
    const writeLock = yield* Semaphore.make(1)

    const adopt = Effect.fnUntraced(function*(stored: PeerSet) {
      const next = withLastSeen(stored, unsavedLastSeen)
      const previous = yield* Ref.getAndSet(peers, next)
      yield* PubSub.publishAll(changes, changesBetween(previous, next))
    })

    // `change` returns the stored set itself when there is nothing to write.
    const modify = <A>(change: (stored: PeerSet) => readonly [A, PeerSet]): Effect.Effect<A, IdentityError> =>
      writeLock.withPermit(Effect.gen(function*() {
        const stored = yield* store.load
        const [result, next] = change(stored)
        if (next !== stored) yield* store.save(next)
        yield* adopt(next)
        return result
      }))

    const trust = Effect.fn("IdentityRegistry.trust")(function*(input: TrustRequest) {
      const request = yield* decodeTrustRequest(input).pipe(
        Effect.mapError((error) => new IdentityError({ reason: new InvalidPeer({ detail: describeCause(error) }) }))
      )
      const now = yield* Clock.currentTimeMillis

      return yield* modify((stored): readonly [TrustedPeer, PeerSet] => {
        const existing = stored.get(request.endpointId)
        const peer = trustedPeerFrom(request, existing, now)
        if (existing !== undefined && sameTrust(existing, peer)) return [existing, stored]
        return [peer, new Map(stored).set(peer.endpointId, peer)]
      })
    })

    const revoke = Effect.fn("IdentityRegistry.revoke")(function*(endpointId: string) {
      return yield* modify((stored): readonly [boolean, PeerSet] => {
        if (!stored.has(endpointId)) return [false, stored]
        const next = new Map(stored)
        next.delete(endpointId)
        return [true, next]
      })
    })

    const markSeen = Effect.fnUntraced(function*(endpointId: string, at: number) {
      const millis = Math.trunc(at)
      // Guards the file: a time that is not a non-negative integer would make trust.json fail to load.
      if (!Number.isSafeInteger(millis) || millis < 0) return
      const current = yield* Ref.get(peers)
      if (!current.has(endpointId)) return

      unsavedLastSeen.set(endpointId, Math.max(millis, unsavedLastSeen.get(endpointId) ?? 0))
      yield* Ref.update(peers, (latest) => withLastSeen(latest, unsavedLastSeen))
    })

    const flushLastSeen = Effect.gen(function*() {
      if (unsavedLastSeen.size === 0) return
      const flushing = new Map(unsavedLastSeen)
      yield* modify((stored) => [undefined, withLastSeen(stored, flushing)])
      for (const [endpointId, at] of flushing) {
        if (unsavedLastSeen.get(endpointId) === at) unsavedLastSeen.delete(endpointId)
      }
    })

    const service: IdentityRegistry["Service"] = {
      self,
      lookup: (endpointId) => Effect.map(Ref.get(peers), (current) => Option.fromUndefinedOr(current.get(endpointId))),
      trust,
      revoke,
      list: Effect.map(Ref.get(peers), (current) => Array.from(current.values())),
      markSeen,
      changes: Stream.fromPubSub(changes)
    }

    return {
      service,
      refresh: writeLock.withPermit(Effect.flatMap(store.load, adopt)),
      flushLastSeen
    }
  }
)
