import { describe, expect, it } from "@effect/vitest"
import { GraphIntentReducer, LogWriteError } from "@verse-sync/intent"
import Sqlite from "better-sqlite3"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { author, otherAuthor, run } from "../../intent/test/fixtures.ts"
import { SyncLog } from "../src/index.ts"
import { buildReducer, countLog, temporaryLogPath, withConnection } from "./fixtures.ts"

const workspace = "research"

// What a restarted node would report first: every workspace's summary and vector.
const observe = Effect.gen(function*() {
  const reducer = yield* GraphIntentReducer
  return {
    summaries: yield* reducer.summaries,
    research: yield* reducer.versionVector(workspace),
    notes: yield* reducer.versionVector("notes")
  }
})

describe("SyncLog.layerReducer", () => {
  it.effect("a rebuilt reducer has the version vectors and summaries the log was left with", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      const layer = SyncLog.layerReducer({ databasePath })

      const before = yield* Effect.gen(function*() {
        const reducer = yield* GraphIntentReducer
        yield* reducer.submit(workspace, author, run(1, 40))
        yield* reducer.submit("notes", otherAuthor, run(1, 7, otherAuthor))
        yield* reducer.submit(workspace, otherAuthor, run(1, 3, otherAuthor))
        yield* reducer.submit(workspace, author, run(41, 45))
        return yield* observe
      }).pipe(Effect.provide(layer))
      const after = yield* observe.pipe(Effect.provide(layer))

      expect(before.research).toEqual({ [author]: 45, [otherAuthor]: 3 })
      expect(before.summaries.map(({ workspaceId, intents, name }) => ({ workspaceId, intents, name }))).toEqual([
        { workspaceId: workspace, intents: 48, name: "name 45" },
        { workspaceId: "notes", intents: 7, name: "name 7" }
      ])
      expect(after).toEqual(before)
    }))

  it.effect("after a restart, a resent unit is all duplicates and the next one is applied", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      const layer = SyncLog.layerReducer({ databasePath })
      yield* Effect.flatMap(GraphIntentReducer, (reducer) => reducer.submit(workspace, author, run(1, 10))).pipe(
        Effect.provide(layer)
      )

      const [resent, next] = yield* Effect.gen(function*() {
        const reducer = yield* GraphIntentReducer
        return [
          yield* reducer.submit(workspace, author, run(1, 10)),
          yield* reducer.submit(workspace, author, run(6, 15))
        ]
      }).pipe(Effect.provide(layer))

      expect(resent).toEqual({ applied: 0, duplicates: 10, versionVector: { [author]: 10 } })
      expect(next).toEqual({ applied: 5, duplicates: 5, versionVector: { [author]: 15 } })
      expect(countLog(databasePath)).toEqual({ rows: 15, keys: 15 })
    }))

  it.effect("logs each (workspace, author, sequence) once when one unit is submitted ten times at once", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      const reducer = yield* buildReducer({ databasePath })
      const unit = run(1, 100)

      const results = yield* Effect.all(Array.from({ length: 10 }, () => reducer.submit(workspace, author, unit)), {
        concurrency: "unbounded"
      })

      expect(results.reduce((sum, result) => sum + result.applied, 0)).toBe(100)
      expect(results.reduce((sum, result) => sum + result.duplicates, 0)).toBe(900)
      expect(countLog(databasePath)).toEqual({ rows: 100, keys: 100 })
    }))

  it.effect("rejects a sequence gap with SequenceGapError and logs nothing of the unit", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      const reducer = yield* buildReducer({ databasePath })
      yield* reducer.submit(workspace, author, run(1, 5))

      const error = yield* Effect.flip(reducer.submit(workspace, author, [...run(6, 7), ...run(9, 10)]))

      expect(error._tag).toBe("SequenceGapError")
      expect(countLog(databasePath).rows).toBe(5)
    }))

  it.effect("records each intent's author, sequence, authored-at time, sender and time of receipt", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      const reducer = yield* buildReducer({ databasePath })
      yield* TestClock.setTime(1_733_300_000_000)

      yield* reducer.submit(workspace, otherAuthor, run(1, 2))

      const rows = withConnection(databasePath, (connection) =>
        connection.prepare(
          "SELECT workspace, a.endpoint_id AS author, sequence, authored_at AS authoredAt, " +
            "f.endpoint_id AS receivedFrom, received_at AS receivedAt, intent FROM intents " +
            "JOIN endpoints a ON a.id = author JOIN endpoints f ON f.id = received_from ORDER BY intents.rowid"
        ).all())
      expect(rows).toEqual(
        run(1, 2).map(({ authoredAt, sequence, intent }) => ({
          workspace,
          author,
          sequence,
          authoredAt,
          receivedFrom: otherAuthor,
          receivedAt: 1_733_300_000_000,
          intent: JSON.stringify(intent)
        }))
      )
    }))

  it.effect("queues 64 units by default, as the memory reducer does", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath

      const reducer = yield* buildReducer({ databasePath })

      expect(reducer.capacity).toBe(64)
    }))
})

describe("SyncLog.layerReducer, when a unit's transaction fails", () => {
  it.effect("fails the submit with LogWriteError, applies nothing, and applies the next unit", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      const reducer = yield* buildReducer({ databasePath })
      yield* reducer.submit(workspace, author, run(1, 5))
      // Fails the unit at its third intent, as a full disk fails a write midway.
      withConnection(databasePath, (connection) =>
        connection.exec(
          "CREATE TRIGGER full_disk BEFORE INSERT ON intents WHEN NEW.sequence = 8 " +
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        ))

      const error = yield* Effect.flip(reducer.submit(workspace, author, run(6, 10)))
      const unchanged = { vector: yield* reducer.versionVector(workspace), summaries: yield* reducer.summaries }
      withConnection(databasePath, (connection) => connection.exec("DROP TRIGGER full_disk"))
      const next = yield* reducer.submit(workspace, author, run(6, 10))

      expect(error).toBeInstanceOf(LogWriteError)
      expect(error.message).toBe(
        `cannot write a unit of workspace research to the sync log (${databasePath}: database or disk is full ` +
          `[SQLITE_CONSTRAINT_TRIGGER]); nothing was applied`
      )
      expect(unchanged.vector).toEqual({ [author]: 5 })
      expect(unchanged.summaries[0]).toMatchObject({ intents: 5, name: "name 5" })
      expect(next).toEqual({ applied: 5, duplicates: 0, versionVector: { [author]: 10 } })
      expect(countLog(databasePath).rows).toBe(10)
    }))

  it.effect("fails with LogWriteError while another process holds the write lock, and serves again after", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      const reducer = yield* buildReducer({ databasePath })
      yield* reducer.submit(workspace, author, run(1, 5))
      const locker = yield* Effect.acquireRelease(
        Effect.sync(() => new Sqlite(databasePath)),
        (connection) => Effect.sync(() => connection.close())
      )
      locker.exec("BEGIN IMMEDIATE")

      const error = yield* Effect.flip(reducer.submit(workspace, author, run(6, 10)))
      locker.exec("ROLLBACK")
      const next = yield* reducer.submit(workspace, author, run(6, 10))

      expect(error).toBeInstanceOf(LogWriteError)
      expect(error.message).toContain("database is locked [SQLITE_BUSY]")
      expect(next).toEqual({ applied: 5, duplicates: 0, versionVector: { [author]: 10 } })
      expect(countLog(databasePath).rows).toBe(10)
    }))
})
