import { describe, expect, it } from "@effect/vitest"
import { decodeSyncUnit, type GraphIntentReducer } from "@verse-sync/intent"
import { Effect, Result } from "effect"
import { author, readIntentsFile, toUnits } from "../../intent/test/fixtures.ts"
import { readSummary } from "../src/index.ts"
import { buildReducer, countLog, temporaryLogPath } from "./fixtures.ts"

// The graph of the data README for the full file.
const wikispeediaGraph = { name: "Wikispeedia", nodes: 4_061, edges: 31_493, traversals: 104_420, tags: 128 }

// The file as a dialer sends it: units of 1000 intents, each decoded as the
// acceptor decodes it. Decoded once, since both pushes send the same units.
const units = toUnits(readIntentsFile("wikispeedia.jsonl"), "default", 1000)
  .map((payload) => Result.getOrThrow(decodeSyncUnit(payload)))

const pushFile = Effect.fnUntraced(function*(reducer: GraphIntentReducer["Service"]) {
  let applied = 0
  let duplicates = 0
  for (const unit of units) {
    const result = yield* reducer.submit(unit.workspaceId, unit.fromPeer, unit.intents)
    applied += result.applied
    duplicates += result.duplicates
  }
  return { applied, duplicates }
})

describe("the Wikispeedia intents through the durable reducer", () => {
  it.effect(
    "the full file is logged once and builds the README's graph, before and after a restart",
    () =>
      Effect.gen(function*() {
        const databasePath = yield* temporaryLogPath

        const [first, second] = yield* Effect.scoped(Effect.gen(function*() {
          const reducer = yield* buildReducer({ databasePath })
          return [yield* pushFile(reducer), yield* pushFile(reducer)]
        }))
        const restarted = yield* buildReducer({ databasePath })

        expect(first).toEqual({ applied: 144_035, duplicates: 0 })
        expect(second).toEqual({ applied: 0, duplicates: 144_035 })
        expect(countLog(databasePath)).toEqual({ rows: 144_035, keys: 144_035 })
        expect(yield* restarted.summaries).toEqual([{ workspaceId: "default", intents: 144_035, ...wikispeediaGraph }])
        expect(yield* restarted.versionVector("default")).toEqual({ [author]: 144_035 })
        expect(yield* readSummary(databasePath, "default")).toEqual([
          { workspaceId: "default", intents: 144_035, ...wikispeediaGraph, versionVector: { [author]: 144_035 } }
        ])
      }),
    { timeout: 60_000 }
  )
})
