import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import * as path from "node:path"
import { resolveDataDirectory } from "../src/index.ts"

const withEnvironment = (env: Record<string, string>) =>
  Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

const everything = { VERSE_SYNC_HOME: "/srv/verse", XDG_DATA_HOME: "/xdg/data", HOME: "/home/ada" }

describe("resolveDataDirectory", () => {
  it.effect("takes an explicit directory over any environment variable", () =>
    Effect.gen(function*() {
      const directory = yield* resolveDataDirectory({ dataDirectory: "/explicit/dir" }).pipe(
        withEnvironment(everything)
      )

      expect(directory).toBe("/explicit/dir")
    }))

  it.effect("takes $VERSE_SYNC_HOME as it is when no directory is given", () =>
    Effect.gen(function*() {
      const directory = yield* resolveDataDirectory().pipe(withEnvironment(everything))

      expect(directory).toBe("/srv/verse")
    }))

  it.effect("uses verse-sync under $XDG_DATA_HOME when $VERSE_SYNC_HOME is unset", () =>
    Effect.gen(function*() {
      const directory = yield* resolveDataDirectory().pipe(
        withEnvironment({ XDG_DATA_HOME: "/xdg/data", HOME: "/home/ada" })
      )

      expect(directory).toBe("/xdg/data/verse-sync")
    }))

  it.effect("falls back to ~/.local/share/verse-sync", () =>
    Effect.gen(function*() {
      const directory = yield* resolveDataDirectory().pipe(withEnvironment({ HOME: "/home/ada" }))

      expect(directory).toBe("/home/ada/.local/share/verse-sync")
    }))

  it.effect("treats an empty variable as unset", () =>
    Effect.gen(function*() {
      const directory = yield* resolveDataDirectory().pipe(
        Effect.provideService(
          ConfigProvider.ConfigProvider,
          ConfigProvider.fromUnknown({ VERSE_SYNC_HOME: "", XDG_DATA_HOME: "", HOME: "/home/ada" })
        )
      )

      expect(directory).toBe("/home/ada/.local/share/verse-sync")
    }))

  it.effect("makes a relative directory absolute", () =>
    Effect.gen(function*() {
      const directory = yield* resolveDataDirectory({ dataDirectory: "relative/dir" }).pipe(withEnvironment({}))

      expect(directory).toBe(path.resolve("relative/dir"))
    }))
})
