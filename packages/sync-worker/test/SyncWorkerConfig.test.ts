import { describe, expect, it } from "@effect/vitest"
import { SyncWorkerConfig } from "@verse-sync/sync-worker"
import { ConfigProvider, Effect, Exit } from "effect"

const loadWith = (environment: Record<string, string>, overrides: Partial<SyncWorkerConfig.SyncWorkerConfig> = {}) =>
  SyncWorkerConfig.load(overrides).pipe(
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(environment)))
  )

describe("SyncWorker settings", () => {
  it.effect("default to DESIGN.md's values", () =>
    Effect.gen(function*() {
      const config = yield* loadWith({})
      expect(config).toMatchObject({
        bindAddress: "0.0.0.0:0",
        maxSessions: 64,
        maxSessionsPerPeer: 2,
        handshakeTimeoutMs: 10_000,
        idleTimeoutMs: 60_000,
        maxFrameBytes: 1_048_576,
        maxInflatedBytes: 8_388_608,
        maxBatchIntents: 1000,
        maxInFlight: 8
      })
    }))

  it.effect("read VERSE_SYNC_* variables, and explicit options win over them", () =>
    Effect.gen(function*() {
      const config = yield* loadWith({ VERSE_SYNC_MAX_SESSIONS: "5", VERSE_SYNC_IDLE_TIMEOUT_MS: "1000" }, {
        idleTimeoutMs: 2000
      })
      expect(config.maxSessions).toBe(5)
      expect(config.idleTimeoutMs).toBe(2000)
    }))

  it.effect("refuse a value that is not a positive integer, in one line naming the variable", () =>
    Effect.gen(function*() {
      for (const value of ["-5", "0", "abc", "1.5"]) {
        const exit = yield* Effect.exit(loadWith({ VERSE_SYNC_MAX_SESSIONS: value }))
        expect(Exit.isFailure(exit)).toBe(true)
        const message = Exit.isFailure(exit) ? String(exit.cause) : ""
        expect(message).toContain("VERSE_SYNC_MAX_SESSIONS: expected")
      }
    }))
})
