import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { GraphIntentReducer, SequenceGapError, type SyncedIntent } from "../src/index.ts"
import { author, nthAuthor, otherAuthor, run, vectors } from "./fixtures.ts"

const workspace = "research"

const sequenceGapVectors = vectors.rejects.filter((vector) => vector.reject === "SequenceGap")

describe("GraphIntentReducer", () => {
  it.effect("applies a unit and reports the new version vector", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer

      const result = yield* reducer.submit(workspace, author, run(1, 5))

      expect(result).toEqual({ applied: 5, duplicates: 0, versionVector: { [author]: 5 } })
      expect(yield* reducer.versionVector(workspace)).toEqual({ [author]: 5 })
      expect(yield* reducer.summaries).toEqual([
        { workspaceId: workspace, name: "name 5", intents: 5, nodes: 0, edges: 0, traversals: 0, tags: 0 }
      ])
    }).pipe(Effect.provide(GraphIntentReducer.layerMemory)))

  it.effect("a workspace that received nothing has an empty vector and no summary", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer
      yield* reducer.submit(workspace, author, run(1, 2))

      expect(yield* reducer.versionVector("elsewhere")).toEqual({})
      expect((yield* reducer.summaries).map((summary) => summary.workspaceId)).toEqual([workspace])
    }).pipe(Effect.provide(GraphIntentReducer.layerMemory)))

  it.effect("skips intents at or below the vector entry and counts them as duplicates", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer
      yield* reducer.submit(workspace, author, run(1, 5))

      const overlapping = yield* reducer.submit(workspace, author, run(3, 8))
      const again = yield* reducer.submit(workspace, author, run(1, 8))

      expect(overlapping).toEqual({ applied: 3, duplicates: 3, versionVector: { [author]: 8 } })
      expect(again).toEqual({ applied: 0, duplicates: 8, versionVector: { [author]: 8 } })
      expect((yield* reducer.summaries)[0]).toMatchObject({ intents: 8, name: "name 8" })
    }).pipe(Effect.provide(GraphIntentReducer.layerMemory)))

  it.effect("rejects a unit that starts past the vector with SequenceGapError and applies none of it", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer
      yield* reducer.submit(workspace, author, run(1, 45))

      const error = yield* Effect.flip(reducer.submit(workspace, author, run(50, 52)))

      expect(error).toMatchObject({ _tag: "SequenceGapError", author, expected: 46, got: 50 })
      expect(error.message).toBe("author 79b5562e8f: expected sequence 46, got 50")
      expect(yield* reducer.versionVector(workspace)).toEqual({ [author]: 45 })
      expect((yield* reducer.summaries)[0]).toMatchObject({ intents: 45, name: "name 45" })
    }).pipe(Effect.provide(GraphIntentReducer.layerMemory)))

  it.effect("rejects a unit whose sequences skip inside it, without applying the intents before the skip", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer
      yield* reducer.submit(workspace, author, run(1, 5))

      const error = yield* Effect.flip(reducer.submit(workspace, author, [...run(6, 7), ...run(9, 10)]))

      expect(error).toMatchObject({ expected: 8, got: 9 })
      expect(yield* reducer.versionVector(workspace)).toEqual({ [author]: 5 })
      expect((yield* reducer.summaries)[0]).toMatchObject({ intents: 5, name: "name 5" })
    }).pipe(Effect.provide(GraphIntentReducer.layerMemory)))

  it.effect("rejects a unit whose sequences repeat or fall, even among duplicates", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer
      yield* reducer.submit(workspace, author, run(1, 5))

      const repeated = yield* Effect.flip(reducer.submit(workspace, author, [...run(2, 3), ...run(3, 6)]))
      const falling = yield* Effect.flip(reducer.submit(workspace, author, [...run(6, 7), ...run(6, 6)]))

      expect(repeated).toMatchObject({ expected: 4, got: 3 })
      expect(falling).toMatchObject({ expected: 8, got: 6 })
      expect(yield* reducer.versionVector(workspace)).toEqual({ [author]: 5 })
    }).pipe(Effect.provide(GraphIntentReducer.layerMemory)))

  it.effect("checks each author's history apart, and a gap in one rejects the whole unit", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer
      const interleaved: Array<SyncedIntent> = [
        ...run(1, 1),
        ...run(1, 1, otherAuthor),
        ...run(2, 2),
        ...run(2, 2, otherAuthor)
      ]

      const applied = yield* reducer.submit(workspace, author, interleaved)
      const error = yield* Effect.flip(reducer.submit(workspace, author, [...run(3, 4), ...run(4, 4, otherAuthor)]))

      expect(applied).toEqual({ applied: 4, duplicates: 0, versionVector: { [author]: 2, [otherAuthor]: 2 } })
      expect(error).toMatchObject({ author: otherAuthor, expected: 3, got: 4 })
      expect(yield* reducer.versionVector(workspace)).toEqual({ [author]: 2, [otherAuthor]: 2 })
    }).pipe(Effect.provide(GraphIntentReducer.layerMemory)))

  it.effect.each(sequenceGapVectors)(
    "rejects the vector $name against an empty version vector",
    (vector) =>
      Effect.gen(function*() {
        const reducer = yield* GraphIntentReducer
        const intents = vector.message["intents"] as ReadonlyArray<SyncedIntent>

        const error = yield* Effect.flip(reducer.submit(workspace, author, intents))

        expect(error).toBeInstanceOf(SequenceGapError)
        expect(yield* reducer.summaries).toEqual([])
      }).pipe(Effect.provide(GraphIntentReducer.layerMemory))
  )

  it.effect("applies a unit once when the same peer submits it from two sessions at once", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer
      const unit = run(1, 100)

      const results = yield* Effect.all(Array.from({ length: 10 }, () => reducer.submit(workspace, author, unit)), {
        concurrency: "unbounded"
      })

      expect(results.reduce((sum, result) => sum + result.applied, 0)).toBe(100)
      expect(results.reduce((sum, result) => sum + result.duplicates, 0)).toBe(900)
      expect((yield* reducer.summaries)[0]?.intents).toBe(100)
    }).pipe(Effect.provide(GraphIntentReducer.layerMemory)))

  it.effect("when the queue is full, submit waits, and every unit is applied in the end", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer
      const submits = yield* Effect.forEach(
        Array.from({ length: 6 }, (_, index) => nthAuthor(index + 1)),
        (by) => Effect.forkChild(reducer.submit(workspace, by, run(1, 10, by)))
      )

      yield* Effect.yieldNow
      expect(reducer.capacity).toBe(2)
      expect(yield* reducer.pending).toBe(2)
      expect(submits.at(-1)?.pollUnsafe()).toBeUndefined()

      const results = yield* Fiber.joinAll(submits)
      expect(results.map((result) => result.applied)).toEqual([10, 10, 10, 10, 10, 10])
      expect((yield* reducer.summaries)[0]?.intents).toBe(60)
      expect(yield* reducer.pending).toBe(0)
    }).pipe(Effect.provide(GraphIntentReducer.layerMemoryWith({ queueCapacity: 2 }))))

  it.effect("a submit interrupted while waiting for room in the queue applies nothing", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer
      const authors = Array.from({ length: 6 }, (_, index) => nthAuthor(index + 1))
      const submits = yield* Effect.forEach(
        authors,
        (by) => Effect.forkChild(reducer.submit(workspace, by, run(1, 10, by)))
      )
      yield* Effect.yieldNow

      yield* Fiber.interrupt(submits.at(-1)!)
      yield* Fiber.joinAll(submits.slice(0, -1))

      expect((yield* reducer.summaries)[0]?.intents).toBe(50)
      expect(Object.keys(yield* reducer.versionVector(workspace))).not.toContain(authors.at(-1))
    }).pipe(Effect.provide(GraphIntentReducer.layerMemoryWith({ queueCapacity: 2 }))))

  it.effect("releasing the layer interrupts the submits still waiting instead of leaving them hanging", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(GraphIntentReducer.layerMemoryWith({ queueCapacity: 1 }), scope)
      const reducer = Context.get(context, GraphIntentReducer)
      const submits = yield* Effect.forEach(
        Array.from({ length: 4 }, (_, index) => nthAuthor(index + 1)),
        (by) => Effect.forkChild(reducer.submit(workspace, by, run(1, 10, by)))
      )
      yield* Effect.yieldNow

      yield* Scope.close(scope, Exit.void)
      const exits = yield* Effect.forEach(submits, Fiber.await)

      expect(exits.some(Exit.hasInterrupts)).toBe(true)
      expect(exits.every((exit) => Exit.isSuccess(exit) || Exit.hasInterrupts(exit))).toBe(true)
    }))

  it.effect("refuses a queue capacity that is not a positive integer", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(GraphIntentReducer.layerMemoryWith({ queueCapacity: 0 })))

      expect(Exit.isFailure(exit) && !Exit.hasInterrupts(exit)).toBe(true)
    }))
})

describe("GraphIntentReducer, given input its types forbid", () => {
  it.effect("a defect while applying one unit fails that submit only, and the reducer keeps serving", () =>
    Effect.gen(function*() {
      const reducer = yield* GraphIntentReducer
      const undecoded = [...run(1, 1), { ...run(2, 2)[0]!, sequence: -1 }]

      const exit = yield* Effect.exit(reducer.submit(workspace, author, undecoded))
      const next = yield* reducer.submit(workspace, author, run(1, 3))

      expect(Exit.hasDies(exit)).toBe(true)
      expect(next.applied).toBe(3)
    }).pipe(Effect.provide(GraphIntentReducer.layerMemory)))
})
