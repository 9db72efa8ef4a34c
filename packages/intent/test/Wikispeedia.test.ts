import { describe, expect, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { decodeSyncUnit, GraphIntentReducer } from "../src/index.ts"
import { author, readIntentsFile, toUnits } from "./fixtures.ts"

// What a dialer does with an intents file (DESIGN.md "The command"): units of
// at most 1000 intents, each decoded as the acceptor would decode it, then
// submitted to the `default` workspace. Returns the totals over all units.
const pushFile = Effect.fnUntraced(function*(fileName: string) {
  const reducer = yield* GraphIntentReducer
  let applied = 0
  let duplicates = 0
  for (const payload of toUnits(readIntentsFile(fileName), "default", 1000)) {
    const unit = Result.getOrThrow(decodeSyncUnit(payload))
    const result = yield* reducer.submit(unit.workspaceId, unit.fromPeer, unit.intents)
    applied += result.applied
    duplicates += result.duplicates
  }
  return { applied, duplicates, versionVector: yield* reducer.versionVector("default") }
})

describe("the Wikispeedia intents", () => {
  it.effect("the full file builds the graph of the data README, and a second push applies nothing", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer

      const first = yield* pushFile("wikispeedia.jsonl")
      const second = yield* pushFile("wikispeedia.jsonl")

      expect(first).toEqual({ applied: 144_035, duplicates: 0, versionVector: { [author]: 144_035 } })
      expect(second).toEqual({ applied: 0, duplicates: 144_035, versionVector: { [author]: 144_035 } })
      expect(yield* reducer.summaries).toEqual([{
        workspaceId: "default",
        name: "Wikispeedia",
        intents: 144_035,
        nodes: 4_061,
        edges: 31_493,
        traversals: 104_420,
        tags: 128
      }])
    }).pipe(Effect.provide(GraphIntentReducer.layerMemory)))

  it.effect("the sample builds 850 nodes, 1,159 edges and 1,506 traversals", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer

      yield* pushFile("wikispeedia-sample.jsonl")

      expect((yield* reducer.summaries)[0]).toMatchObject({
        name: "Wikispeedia",
        intents: 4_365,
        nodes: 850,
        edges: 1_159,
        traversals: 1_506
      })
    }).pipe(Effect.provide(GraphIntentReducer.layerMemory)))
})
