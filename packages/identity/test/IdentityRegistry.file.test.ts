import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Logger, Option, Queue, Redacted, Scope } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { IdentityRegistry } from "../src/index.ts"
import {
  endpointIdOfKey,
  newEndpointId,
  readTrustJson,
  startRegistry,
  temporaryDirectory,
  watchChanges
} from "./fixtures.ts"

// With an explicit directory no configuration is read, so a ConfigError would be a bug.
const fileRegistry = (dataDirectory: string) =>
  startRegistry(IdentityRegistry.layerFile({ dataDirectory })).pipe(Effect.catchTag("ConfigError", Effect.die))

/** Runs `effect` in a scope of its own that is closed as soon as it ends, like a process that exits. */
const asOwnProcess = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.scoped(effect)

const modeOf = (file: string): number => fs.statSync(file).mode & 0o777

describe("IdentityRegistry.layerFile: the key", () => {
  it.live("creates identity.key once, mode 0600 in a 0700 directory, and reuses it on the next start", () =>
    Effect.gen(function*() {
      const directory = path.join(yield* temporaryDirectory, "data")
      const keyPath = path.join(directory, "identity.key")

      const first = yield* asOwnProcess(fileRegistry(directory))
      const keyText = fs.readFileSync(keyPath, "utf8")
      const second = yield* asOwnProcess(fileRegistry(directory))

      expect(keyText).toMatch(/^[0-9a-f]{64}\n$/)
      expect(modeOf(keyPath)).toBe(0o600)
      expect(modeOf(directory)).toBe(0o700)
      expect(second.self.endpointId).toBe(first.self.endpointId)
      expect(fs.readFileSync(keyPath, "utf8")).toBe(keyText)
    }))

  it.live("gives two processes starting at once for the first time the same key", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory

      const [first, second] = yield* Effect.all([fileRegistry(directory), fileRegistry(directory)], {
        concurrency: "unbounded"
      })

      expect(first.self.endpointId).toBe(second.self.endpointId)
      expect(fs.readdirSync(directory).filter((name) => name.includes("identity.key"))).toEqual(["identity.key"])
    }))

  it.live("derives the endpoint id that iroh derives from the key in identity.key", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory

      const registry = yield* fileRegistry(directory)

      const keyBytes = Uint8Array.from(
        Buffer.from(fs.readFileSync(path.join(directory, "identity.key"), "utf8").trim(), "hex")
      )
      expect(Redacted.value(registry.self.secretKey)).toEqual(keyBytes)
      expect(registry.self.endpointId).toBe(endpointIdOfKey(keyBytes))
    }))

  it.live("warns, naming the file, when identity.key is readable by other users, and still uses it", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const keyPath = path.join(directory, "identity.key")
      fs.writeFileSync(keyPath, `${"ab".repeat(32)}\n`, { mode: 0o644 })
      fs.chmodSync(keyPath, 0o644)
      const warnings: Array<string> = []
      const capture = Logger.make<unknown, void>(({ logLevel, message }) => {
        if (logLevel === "Warn") warnings.push(String(message))
      })

      const registry = yield* fileRegistry(directory).pipe(
        Effect.provideService(Logger.CurrentLoggers, new Set([capture]))
      )

      expect(warnings).toEqual([expect.stringContaining(keyPath)])
      expect(registry.self.endpointId).toBe(endpointIdOfKey(new Uint8Array(32).fill(0xab)))
    }))

  it.live.each([
    { problem: "uppercase hex", text: `${"AB".repeat(32)}\n` },
    { problem: "no final newline", text: "ab".repeat(32) },
    { problem: "a short key", text: `${"ab".repeat(31)}\n` },
    { problem: "trailing whitespace", text: `${"ab".repeat(32)}\n\n` },
    { problem: "an empty file", text: "" }
  ])(
    "refuses an identity.key with $problem, naming the file, and leaves it as it was",
    ({ text }) =>
      Effect.gen(function*() {
        const directory = yield* temporaryDirectory
        const keyPath = path.join(directory, "identity.key")
        fs.writeFileSync(keyPath, text, { mode: 0o600 })

        const error = yield* Effect.flip(asOwnProcess(fileRegistry(directory)))

        expect(error._tag).toBe("IdentityError")
        expect(error.reason._tag).toBe("KeyMalformed")
        expect(error.message).toContain(keyPath)
        expect(fs.readFileSync(keyPath, "utf8")).toBe(text)
      })
  )
})

describe("IdentityRegistry.layerFile: the trust store", () => {
  it.live("trust, list, lookup and revoke survive a restart", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const friend = newEndpointId()
      const ownDevice = newEndpointId()

      const trusted = yield* asOwnProcess(Effect.gen(function*() {
        const registry = yield* fileRegistry(directory)
        const peer = yield* registry.trust({
          endpointId: friend,
          displayName: "Ada",
          grants: { research: "read-write" }
        })
        yield* registry.trust({ endpointId: ownDevice, role: "self" })
        yield* registry.revoke(ownDevice)
        return peer
      }))
      const registry = yield* fileRegistry(directory)

      expect(yield* registry.list).toEqual([trusted])
      expect(yield* registry.lookup(friend)).toEqual(Option.some(trusted))
      expect(yield* registry.lookup(ownDevice)).toEqual(Option.none())
      expect(readTrustJson(directory)).toEqual({ version: 1, peers: [trusted] })
      expect(modeOf(path.join(directory, "trust.json"))).toBe(0o600)
    }))

  it.live("keeps every peer of many concurrent trusts", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const registry = yield* fileRegistry(directory)
      const endpointIds = Array.from({ length: 20 }, newEndpointId)

      yield* Effect.forEach(endpointIds, (endpointId) => registry.trust({ endpointId }), { concurrency: "unbounded" })

      const stored = readTrustJson(directory) as { peers: ReadonlyArray<{ endpointId: string }> }
      expect(stored.peers.map((peer) => peer.endpointId).sort()).toEqual([...endpointIds].sort())
      expect((yield* registry.list).length).toBe(20)
    }))

  it.live("ignores a temporary file left by a write that crashed half-way", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const endpointId = newEndpointId()
      yield* asOwnProcess(Effect.flatMap(fileRegistry(directory), (registry) => registry.trust({ endpointId })))
      fs.writeFileSync(path.join(directory, ".trust.json.4242.0badf00d.tmp"), "{\"version\":1,\"peers\":[{\"endpo")

      const registry = yield* fileRegistry(directory)
      yield* registry.trust({ endpointId: newEndpointId() })

      expect(Option.isSome(yield* registry.lookup(endpointId))).toBe(true)
      expect((readTrustJson(directory) as { peers: ReadonlyArray<unknown> }).peers.length).toBe(2)
    }))

  it.live.each([
    { problem: "is not JSON", text: "{\"version\":1,\"peers\":[" },
    { problem: "has another version", text: "{\"version\":2,\"peers\":[]}" },
    { problem: "has a malformed endpoint id", text: "{\"version\":1,\"peers\":[{\"endpointId\":\"zz\"}]}" },
    {
      problem: "lists a peer twice",
      text: JSON.stringify({
        version: 1,
        peers: [1, 2].map((addedAt) => ({
          endpointId: "ab".repeat(32),
          displayName: "twin",
          role: "friend",
          grants: {},
          addedAt
        }))
      })
    }
  ])(
    "refuses a trust.json that $problem, naming the file, and never overwrites it",
    ({ text }) =>
      Effect.gen(function*() {
        const directory = yield* temporaryDirectory
        const storePath = path.join(directory, "trust.json")
        fs.writeFileSync(storePath, text)

        const error = yield* Effect.flip(asOwnProcess(fileRegistry(directory)))

        expect(error.reason._tag).toBe("TrustStoreCorrupt")
        expect(error.message).toContain(storePath)
        expect(fs.readFileSync(storePath, "utf8")).toBe(text)
      })
  )

  it.live("saves last-seen times when the registry stops, not on every connection", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const endpointId = newEndpointId()
      const scope = yield* Scope.make()
      const registry = yield* fileRegistry(directory).pipe(Scope.provide(scope))
      yield* registry.trust({ endpointId })

      yield* registry.markSeen(endpointId, 1_733_300_000_000)

      const seen = yield* registry.lookup(endpointId)
      expect(Option.map(seen, (peer) => peer.lastSeenAt)).toEqual(Option.some(1_733_300_000_000))
      expect(readTrustJson(directory)).toMatchObject({ peers: [{ endpointId }] })
      expect(readTrustJson(directory)).not.toMatchObject({ peers: [{ lastSeenAt: 1_733_300_000_000 }] })

      yield* Scope.close(scope, Exit.void)

      expect(readTrustJson(directory)).toMatchObject({ peers: [{ endpointId, lastSeenAt: 1_733_300_000_000 }] })
    }))
})

describe("IdentityRegistry.layerFile: changes from other processes", () => {
  it.live("reports within 1 s a revocation another process wrote", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const endpointId = newEndpointId()
      const serving = yield* fileRegistry(directory)
      yield* serving.trust({ endpointId })
      const changes = yield* watchChanges(serving)
      const otherProcess = yield* fileRegistry(directory)

      expect(yield* otherProcess.revoke(endpointId)).toBe(true)

      const change = yield* Queue.take(changes).pipe(Effect.timeout("1 second"))
      expect(change).toEqual({ _tag: "Revoked", endpointId })
      expect(yield* serving.lookup(endpointId)).toEqual(Option.none())
    }))

  it.live("reports a peer another process trusted", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const serving = yield* fileRegistry(directory)
      const changes = yield* watchChanges(serving)
      const otherProcess = yield* fileRegistry(directory)

      const peer = yield* otherProcess.trust({ endpointId: newEndpointId(), role: "self" })

      expect(yield* Queue.take(changes).pipe(Effect.timeout("1 second"))).toEqual({ _tag: "Trusted", peer })
      expect(yield* serving.lookup(peer.endpointId)).toEqual(Option.some(peer))
    }))

  it.live("reports a revocation made by editing trust.json in place", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const kept = newEndpointId()
      const removed = newEndpointId()
      const serving = yield* fileRegistry(directory)
      yield* serving.trust({ endpointId: kept })
      yield* serving.trust({ endpointId: removed })
      const changes = yield* watchChanges(serving)

      const stored = readTrustJson(directory) as { version: 1; peers: ReadonlyArray<{ endpointId: string }> }
      fs.writeFileSync(
        path.join(directory, "trust.json"),
        JSON.stringify({ ...stored, peers: stored.peers.filter((peer) => peer.endpointId !== removed) })
      )

      expect(yield* Queue.take(changes).pipe(Effect.timeout("1 second"))).toEqual({
        _tag: "Revoked",
        endpointId: removed
      })
      expect(Option.isSome(yield* serving.lookup(kept))).toBe(true)
    }))

  it.live("keeps the peers it has while trust.json is corrupt, and picks up the file once it is fixed", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const storePath = path.join(directory, "trust.json")
      const endpointId = newEndpointId()
      const serving = yield* fileRegistry(directory)
      yield* serving.trust({ endpointId })
      const changes = yield* watchChanges(serving)

      fs.writeFileSync(storePath, "{ broken")
      yield* Effect.sleep("700 millis")
      const whileBroken = yield* serving.lookup(endpointId)
      fs.writeFileSync(storePath, JSON.stringify({ version: 1, peers: [] }))

      expect(Option.isSome(whileBroken)).toBe(true)
      expect(yield* Queue.take(changes).pipe(Effect.timeout("1 second"))).toEqual({ _tag: "Revoked", endpointId })
    }))
})
