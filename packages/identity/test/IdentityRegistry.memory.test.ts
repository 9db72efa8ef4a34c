import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Queue, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { IdentityRegistry } from "../src/index.ts"
import { endpointIdOfKey, newEndpointId, startRegistry, watchChanges } from "./fixtures.ts"

describe("IdentityRegistry.layerMemory", () => {
  it.effect("uses the secret key it is given, and the endpoint id iroh derives from it", () =>
    Effect.gen(function*() {
      const secretKey = new Uint8Array(32).fill(7)
      const registry = yield* startRegistry(IdentityRegistry.layerMemory({ secretKey }))

      expect(registry.self.endpointId).toBe(endpointIdOfKey(secretKey))
      expect(Redacted.value(registry.self.secretKey)).toEqual(secretKey)
    }))

  it.effect("makes a fresh key when none is given", () =>
    Effect.gen(function*() {
      const first = yield* startRegistry(IdentityRegistry.layerMemory())
      const second = yield* startRegistry(IdentityRegistry.layerMemory())

      expect(first.self.endpointId).toMatch(/^[0-9a-f]{64}$/)
      expect(first.self.endpointId).not.toBe(second.self.endpointId)
    }))

  it.effect("never shows the secret key when the identity is printed or logged", () =>
    Effect.gen(function*() {
      const secretKey = new Uint8Array(32).fill(0xab)
      const registry = yield* startRegistry(IdentityRegistry.layerMemory({ secretKey }))

      expect(JSON.stringify(registry.self)).not.toContain("abab")
      expect(String(registry.self.secretKey)).not.toContain("171")
    }))

  it.effect("trusts a new peer as a friend named by its short id, with no grants, added now", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_733_300_000_000)
      const registry = yield* startRegistry(IdentityRegistry.layerMemory())
      const endpointId = newEndpointId()

      const peer = yield* registry.trust({ endpointId })

      expect(peer).toEqual({
        endpointId,
        displayName: endpointId.slice(0, 10),
        role: "friend",
        grants: {},
        addedAt: 1_733_300_000_000
      })
      expect(yield* registry.lookup(endpointId)).toEqual(Option.some(peer))
    }))

  it.effect("updating a peer keeps its addedAt and whatever the update leaves out", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_000)
      const registry = yield* startRegistry(IdentityRegistry.layerMemory())
      const endpointId = newEndpointId()
      yield* registry.trust({ endpointId, displayName: "phone", role: "self" })

      yield* TestClock.adjust("1 hour")
      const updated = yield* registry.trust({ endpointId, grants: { research: "read-write" } })

      expect(updated).toEqual({
        endpointId,
        displayName: "phone",
        role: "self",
        grants: { research: "read-write" },
        addedAt: 1_000
      })
      expect(yield* registry.list).toEqual([updated])
    }))

  it.effect("revoke removes a trusted peer and tells whether it was trusted", () =>
    Effect.gen(function*() {
      const endpointId = newEndpointId()
      const registry = yield* startRegistry(IdentityRegistry.layerMemory({ peers: [{ endpointId }] }))

      expect(yield* registry.revoke(endpointId)).toBe(true)
      expect(yield* registry.revoke(endpointId)).toBe(false)
      expect(yield* registry.lookup(endpointId)).toEqual(Option.none())
      expect(yield* registry.list).toEqual([])
    }))

  it.effect("markSeen records the last time a trusted peer connected and ignores strangers", () =>
    Effect.gen(function*() {
      const endpointId = newEndpointId()
      const stranger = newEndpointId()
      const registry = yield* startRegistry(IdentityRegistry.layerMemory({ peers: [{ endpointId }] }))

      yield* registry.markSeen(endpointId, 5_000)
      yield* registry.markSeen(endpointId, 4_000)
      yield* registry.markSeen(stranger, 5_000)

      const seen = yield* registry.lookup(endpointId)
      expect(Option.map(seen, (peer) => peer.lastSeenAt)).toEqual(Option.some(5_000))
      expect(yield* registry.lookup(stranger)).toEqual(Option.none())
    }))

  it.effect("reports trusts and revocations to subscribers, but not last-seen times or no-op updates", () =>
    Effect.gen(function*() {
      const endpointId = newEndpointId()
      const registry = yield* startRegistry(IdentityRegistry.layerMemory())
      const changes = yield* watchChanges(registry)

      const added = yield* registry.trust({ endpointId, displayName: "tablet" })
      yield* registry.markSeen(endpointId, 5_000)
      yield* registry.trust({ endpointId, displayName: "tablet" })
      const renamed = yield* registry.trust({ endpointId, displayName: "old tablet" })
      yield* registry.revoke(endpointId)

      expect(yield* Queue.takeN(changes, 3)).toEqual([
        { _tag: "Trusted", peer: added },
        { _tag: "Trusted", peer: { ...renamed, lastSeenAt: 5_000 } },
        { _tag: "Revoked", endpointId }
      ])
      expect(yield* Queue.size(changes)).toBe(0)
    }))

  it.effect("refuses a malformed endpoint id or workspace id with InvalidPeer, trusting nothing", () =>
    Effect.gen(function*() {
      const registry = yield* startRegistry(IdentityRegistry.layerMemory())

      const badEndpoint = yield* Effect.flip(registry.trust({ endpointId: "ABC" }))
      const badWorkspace = yield* Effect.flip(
        registry.trust({ endpointId: newEndpointId(), grants: { "no spaces": "read-write" } })
      )

      expect(badEndpoint.reason._tag).toBe("InvalidPeer")
      expect(badEndpoint.message).toContain("endpoint id")
      expect(badWorkspace.reason._tag).toBe("InvalidPeer")
      expect(badWorkspace.message).toContain("no spaces")
      expect(yield* registry.list).toEqual([])
    }))

  it.effect("starts with the peers it is given, full entries kept as they are", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(9_000)
      const friend = newEndpointId()
      const ownDevice = {
        endpointId: newEndpointId(),
        displayName: "desktop",
        role: "self" as const,
        grants: {},
        addedAt: 1_000,
        lastSeenAt: 2_000
      }

      const registry = yield* startRegistry(
        IdentityRegistry.layerMemory({ peers: [{ endpointId: friend }, ownDevice] })
      )

      expect(yield* registry.list).toEqual([
        { endpointId: friend, displayName: friend.slice(0, 10), role: "friend", grants: {}, addedAt: 9_000 },
        ownDevice
      ])
    }))
})
