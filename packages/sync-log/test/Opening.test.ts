import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import { author, otherAuthor, run } from "../../intent/test/fixtures.ts"
import { SyncLog } from "../src/index.ts"
import { openDatabase } from "../src/internal/Database.ts"
import { applicationId, type Migration, migrations } from "../src/internal/Migrations.ts"
import { buildReducer, folderBytes, temporaryLogPath, withConnection } from "./fixtures.ts"

const openFailure = (databasePath: string) => Effect.flip(Layer.build(SyncLog.layer({ databasePath })))

// A log as schema 1 wrote it, made by hand rather than by the migration, so a
// change to migration 1 that would break logs already written shows here.
const writeSchemaOneLog = (databasePath: string): void =>
  withConnection(databasePath, (connection) => {
    connection.pragma("journal_mode = WAL")
    connection.exec(`
      CREATE TABLE endpoints (id INTEGER PRIMARY KEY, endpoint_id TEXT NOT NULL UNIQUE);
      CREATE TABLE intents (
        workspace TEXT NOT NULL, author INTEGER NOT NULL REFERENCES endpoints (id), sequence INTEGER NOT NULL,
        authored_at INTEGER NOT NULL, received_from INTEGER NOT NULL REFERENCES endpoints (id),
        received_at INTEGER NOT NULL, intent TEXT NOT NULL, PRIMARY KEY (workspace, author, sequence));
      PRAGMA application_id = ${applicationId};
      PRAGMA user_version = 1;
    `)
    connection.prepare("INSERT INTO endpoints (id, endpoint_id) VALUES (1, ?), (2, ?)").run(author, otherAuthor)
    const insert = connection.prepare("INSERT INTO intents VALUES ('research', ?, ?, ?, 2, 1733300000000, ?)")
    for (const { sequence, authoredAt, intent } of run(1, 3)) {
      insert.run(1, sequence, authoredAt, JSON.stringify(intent))
    }
  })

describe("opening sync.db", () => {
  it.effect("creates a new log in WAL mode, marked as verse-sync's at the current schema version", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath

      yield* Layer.build(SyncLog.layer({ databasePath }))

      expect(withConnection(databasePath, (connection) => ({
        journalMode: connection.pragma("journal_mode", { simple: true }),
        applicationId: connection.pragma("application_id", { simple: true }),
        version: connection.pragma("user_version", { simple: true })
      }))).toEqual({ journalMode: "wal", applicationId, version: migrations.at(-1)!.version })
    }))

  it.effect("takes an empty file, or an empty SQLite database, as a new log", () =>
    Effect.gen(function*() {
      const emptyFile = yield* temporaryLogPath
      const emptyDatabase = yield* temporaryLogPath
      fs.writeFileSync(emptyFile, "")
      withConnection(emptyDatabase, (connection) => connection.exec("VACUUM"))

      yield* Layer.build(SyncLog.layer({ databasePath: emptyFile }))
      yield* Layer.build(SyncLog.layer({ databasePath: emptyDatabase }))

      for (const databasePath of [emptyFile, emptyDatabase]) {
        expect(withConnection(databasePath, (connection) => connection.pragma("user_version", { simple: true })))
          .toBe(1)
      }
    }))

  it.effect("refuses a file that is not SQLite, naming it, and leaves the folder as it was", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      fs.writeFileSync(databasePath, "{\"peers\":[]}\n".repeat(100))
      const before = folderBytes(databasePath)

      const error = yield* openFailure(databasePath)

      expect(error.reason._tag).toBe("NotADatabase")
      expect(error.message).toBe(
        `${databasePath} is not a SQLite database, so not a verse-sync log; it was left untouched: ` +
          `move it away to start an empty log`
      )
      expect(folderBytes(databasePath)).toEqual(before)
    }))

  it.effect("refuses a SQLite database of another application, with or without an application_id", () =>
    Effect.gen(function*() {
      const withTables = yield* temporaryLogPath
      const withMarker = yield* temporaryLogPath
      withConnection(withTables, (connection) => connection.exec("CREATE TABLE bookmarks (url TEXT)"))
      withConnection(withMarker, (connection) => connection.pragma("application_id = 305419896"))
      const before = [folderBytes(withTables), folderBytes(withMarker)]

      const errors = [yield* openFailure(withTables), yield* openFailure(withMarker)]

      expect(errors.map((error) => error.message)).toEqual([
        `${withTables} is a SQLite database of another application (tables and no verse-sync application_id); ` +
        `it was left untouched: move it away to start an empty log`,
        `${withMarker} is a SQLite database of another application (application_id 0x12345678); ` +
        `it was left untouched: move it away to start an empty log`
      ])
      expect([folderBytes(withTables), folderBytes(withMarker)]).toEqual(before)
    }))

  it.effect("refuses a log of a newer schema than it knows, and leaves it as it was", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      withConnection(databasePath, (connection) =>
        connection.exec(`PRAGMA application_id = ${applicationId}; PRAGMA user_version = 99`))
      const before = folderBytes(databasePath)

      const error = yield* openFailure(databasePath)

      expect(error.reason).toMatchObject({ _tag: "NewerSchema", version: 99, known: 1 })
      expect(error.message).toBe(
        `${databasePath} has schema version 99, newer than the 1 this verse-sync knows; upgrade verse-sync`
      )
      expect(folderBytes(databasePath)).toEqual(before)
    }))

  it.effect("refuses a damaged log, and leaves its bytes as they were", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      yield* Effect.scoped(
        Effect.flatMap(buildReducer({ databasePath }), (reducer) => reducer.submit("research", author, run(1, 500)))
      )
      // Pages 4 to 8 hold the intents table and its key; page 1, the header, stays intact.
      const file = fs.openSync(databasePath, "r+")
      fs.writeSync(file, Buffer.alloc(5 * 4096, 0x5a), 0, 5 * 4096, 3 * 4096)
      fs.closeSync(file)
      const before = folderBytes(databasePath)

      const error = yield* openFailure(databasePath)

      expect(error.reason._tag).toBe("Corrupt")
      expect(error.message).toMatch(new RegExp(`^${databasePath} is damaged \\(.+\\); restore it from a backup`))
      expect(folderBytes(databasePath)).toEqual(before)
    }))
})

describe("migrating sync.db", () => {
  it.effect("rebuilds the graph of a log written in the schema 1 layout", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      writeSchemaOneLog(databasePath)

      const reducer = yield* buildReducer({ databasePath })

      expect(yield* reducer.versionVector("research")).toEqual({ [author]: 3 })
      expect(yield* reducer.summaries).toMatchObject([{ workspaceId: "research", intents: 3, name: "name 3" }])
    }))

  it.effect("brings a log of an older schema up to the next version, keeping every intent", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      writeSchemaOneLog(databasePath)
      const nextVersion: Migration = {
        version: 2,
        name: "intents by time of receipt",
        sql: "CREATE INDEX intents_by_received_at ON intents (received_at)"
      }

      const connection = yield* openDatabase(databasePath, {
        readOnly: false,
        synchronous: "FULL",
        migrations: [...migrations, nextVersion]
      })

      expect(connection.pragma("user_version", { simple: true })).toBe(2)
      expect(connection.prepare("SELECT name FROM sqlite_schema WHERE name = 'intents_by_received_at'").pluck().get())
        .toBe("intents_by_received_at")
      expect(connection.prepare("SELECT count(*) FROM intents").pluck().get()).toBe(3)
    }))

  it.effect("a migration that fails leaves the log whole at its old version", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      writeSchemaOneLog(databasePath)
      const broken: Migration = {
        version: 2,
        name: "a broken step",
        sql: "CREATE TABLE received (id INTEGER); CREATE TABLE endpoints (id INTEGER)"
      }

      const error = yield* Effect.flip(
        openDatabase(databasePath, { readOnly: false, synchronous: "FULL", migrations: [...migrations, broken] })
      )

      expect(error.message).toBe(
        `cannot open the sync log ${databasePath} (migration to schema 2 (a broken step) failed: ` +
          `table endpoints already exists [SQLITE_ERROR]); check its directory, permissions and free space`
      )
      expect(withConnection(databasePath, (connection) => ({
        version: connection.pragma("user_version", { simple: true }),
        tables: connection.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all(),
        intents: connection.prepare("SELECT count(*) FROM intents").pluck().get()
      }))).toEqual({ version: 1, tables: ["endpoints", "intents"], intents: 3 })
    }))
})
