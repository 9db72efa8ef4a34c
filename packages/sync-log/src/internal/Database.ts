/**
 * Opening `sync.db` through better-sqlite3: this package's own small driver.
 * It refuses a file that is not a verse-sync log before writing anything to
 * it, then turns on WAL, sets the synchronous level, and brings the schema up
 * to date, each migration in its own transaction.
 *
 * Why not `effect/sql`'s `SqlClient`: the published `@effect/sql-sqlite-node`
 * does not work with effect 4.1.x, and a client of our own would need a
 * connection, a compiler and `Reactivity` to serve one connection and three
 * statements. A unit is written by a synchronous better-sqlite3 transaction of
 * up to 1000 prepared inserts; through `SqlClient` each insert would be a
 * compiled statement run as its own effect.
 *
 * @since 0.1.0
 */
import Sqlite from "better-sqlite3"
import { Effect, type Scope } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import {
  Corrupt,
  ForeignDatabase,
  NewerSchema,
  NotADatabase,
  NotFound,
  OpenFailed,
  OutdatedSchema,
  SyncLogError
} from "../SyncLogError.ts"
import { applicationId, type Migration } from "./Migrations.ts"

/** An open better-sqlite3 connection. */
export type Connection = Sqlite.Database

/**
 * SQLite's `synchronous` level in WAL mode. `FULL` syncs the WAL to disk at
 * every commit: a committed unit survives a power loss. `NORMAL` syncs only
 * at checkpoints: a committed unit survives a killed process, but the last
 * commits before a power loss or operating-system crash may be lost (the
 * database stays consistent).
 */
export type Synchronous = "FULL" | "NORMAL"

/** How to open: read-only (no migration, no write of any kind) or for writing. */
export interface OpenOptions {
  readonly readOnly: boolean
  readonly synchronous: Synchronous
  readonly migrations: ReadonlyArray<Migration>
}

// Only the node's own connection writes, and readers never block a writer in
// WAL mode, so a wait means another process holds the write lock, which is not
// a normal state (one node per data directory). better-sqlite3 waits on the
// event loop, stalling every session, so the wait is short; past it the unit
// fails and the dialer may resend it.
const busyTimeoutMs = 500

const sqliteHeader = Buffer.from("SQLite format 3\0", "latin1")

/** One line describing a failure of better-sqlite3, with SQLite's code where it has one. */
export const describeSqliteError = (cause: unknown): string => {
  const message = cause instanceof Error ? cause.message : String(cause)
  const line = message.split("\n", 1)[0]!
  return cause instanceof Sqlite.SqliteError ? `${line} [${cause.code}]` : line
}

const failWith = (reason: SyncLogError["reason"]): Effect.Effect<never, SyncLogError> =>
  Effect.fail(new SyncLogError({ reason }))

/**
 * The `SyncLogError` for what better-sqlite3 threw while opening or reading:
 * `Corrupt` when SQLite finds the file's pages make no sense, else
 * `OpenFailed`. `where`, if given, starts the detail (`row 42`).
 */
export const sqliteFailure = (databasePath: string, cause: unknown, where?: string): SyncLogError => {
  const detail = where === undefined ? describeSqliteError(cause) : `${where}: ${describeSqliteError(cause)}`
  const corrupt = cause instanceof Sqlite.SqliteError && /^SQLITE_(CORRUPT|NOTADB)/.test(cause.code)
  return new SyncLogError({
    reason: corrupt ? new Corrupt({ path: databasePath, detail }) : new OpenFailed({ path: databasePath, detail })
  })
}

/** Runs one synchronous step against the file; what it throws becomes `Corrupt` or `OpenFailed`. */
const attempt = <A>(databasePath: string, step: () => A): Effect.Effect<A, SyncLogError> =>
  Effect.try({ try: step, catch: (cause) => sqliteFailure(databasePath, cause) })

type FileKind = "missing" | "empty" | "sqlite" | "other"

// Reads the first 16 bytes only, so a foreign file is recognised without
// SQLite ever opening it (and creating its -wal or -shm files).
const inspectFile = (databasePath: string): FileKind => {
  let descriptor: number
  try {
    descriptor = fs.openSync(databasePath, "r")
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return "missing"
    throw cause
  }
  try {
    const header = Buffer.alloc(sqliteHeader.length)
    const read = fs.readSync(descriptor, header, 0, header.length, 0)
    if (read === 0) return "empty"
    return read === header.length && header.equals(sqliteHeader) ? "sqlite" : "other"
  } finally {
    fs.closeSync(descriptor)
  }
}

/**
 * Says whose database this is and at which version: ours (its
 * `application_id`), or new (SQLite's empty database: no marker, no version,
 * no schema at all), else foreign. Reads the header and the schema only.
 */
const schemaVersionOf = (
  connection: Connection,
  databasePath: string,
  latest: number
): Effect.Effect<number, SyncLogError> =>
  Effect.flatMap(
    attempt(databasePath, () => ({
      marker: connection.pragma("application_id", { simple: true }) as number,
      version: connection.pragma("user_version", { simple: true }) as number,
      objects: connection.prepare("SELECT count(*) FROM sqlite_schema").pluck().get() as number
    })),
    ({ marker, version, objects }) => {
      if (marker === applicationId) {
        return version > latest
          ? failWith(new NewerSchema({ path: databasePath, version, known: latest }))
          : Effect.succeed(version)
      }
      if (marker === 0 && version === 0 && objects === 0) return Effect.succeed(0)
      const detail = marker !== 0
        ? `application_id 0x${(marker >>> 0).toString(16).padStart(8, "0")}`
        : objects > 0
        ? "tables and no verse-sync application_id"
        : `user_version ${version} and no verse-sync application_id`
      return failWith(new ForeignDatabase({ path: databasePath, detail }))
    }
  )

// The problems `PRAGMA quick_check` finds, one line each; none when it says "ok".
const quickCheck = (connection: Connection): Array<string> =>
  (connection.pragma("quick_check") as Array<{ quick_check: string }>)
    .flatMap((row) => row.quick_check.split("\n"))
    .filter((line) => line !== "ok" && !line.startsWith("*** "))

// A new file's directory entry is durable only once the directory is synced;
// SQLite syncs the directory of its journal, not of the database file.
const syncDirectory = (directory: string): void => {
  const descriptor = fs.openSync(directory, "r")
  try {
    fs.fsyncSync(descriptor)
  } finally {
    fs.closeSync(descriptor)
  }
}

/**
 * Opens the log at `databasePath` (absolute), in the scope: the connection is
 * closed when the scope closes. The checks come in the order of their cost,
 * and nothing is written before they all pass:
 *
 * 1. A file that does not start with SQLite's header is refused
 *    (`NotADatabase`) without SQLite opening it. A missing file is created
 *    when writing, refused (`NotFound`) when reading; an empty one is new.
 * 2. SQLite opens it; a database of another application (`ForeignDatabase`)
 *    or of a newer schema (`NewerSchema`) is refused.
 * 3. Read-only: an older schema is refused (`OutdatedSchema`), since it cannot
 *    be migrated; otherwise the connection is ready.
 * 4. An existing log passes `PRAGMA quick_check` (`Corrupt` if not; about
 *    0.2 s for the Wikispeedia log).
 * 5. WAL and the synchronous level are set, and each missing migration runs
 *    in its own transaction with its `user_version` bump, so a crash or error
 *    mid-migration leaves the previous version whole (`OpenFailed`).
 */
export const openDatabase = Effect.fnUntraced(function*(
  databasePath: string,
  options: OpenOptions
): Effect.fn.Return<Connection, SyncLogError, Scope.Scope> {
  const latest = options.migrations.at(-1)?.version ?? 0
  const kind = yield* attempt(databasePath, () => inspectFile(databasePath))
  if (kind === "other") return yield* failWith(new NotADatabase({ path: databasePath }))
  if (kind === "missing" && options.readOnly) return yield* failWith(new NotFound({ path: databasePath }))

  const connection = yield* Effect.acquireRelease(
    attempt(databasePath, () =>
      new Sqlite(databasePath, {
        readonly: options.readOnly,
        fileMustExist: options.readOnly,
        timeout: busyTimeoutMs
      })),
    (connection) => Effect.sync(() => connection.close())
  )
  const version = yield* schemaVersionOf(connection, databasePath, latest)

  if (options.readOnly) {
    if (version < latest) {
      return yield* failWith(new OutdatedSchema({ path: databasePath, version, current: latest }))
    }
    return connection
  }

  if (kind === "sqlite") {
    const problems = yield* attempt(databasePath, () => quickCheck(connection))
    if (problems.length > 0) {
      const detail = problems.length === 1 ? problems[0]! : `${problems[0]}, and ${problems.length - 1} more problems`
      return yield* failWith(new Corrupt({ path: databasePath, detail }))
    }
  }

  const journalMode = yield* attempt(databasePath, () => connection.pragma("journal_mode = WAL", { simple: true }))
  if (journalMode !== "wal") {
    return yield* failWith(
      new OpenFailed({ path: databasePath, detail: `WAL is not available here (journal mode ${journalMode})` })
    )
  }
  yield* attempt(databasePath, () => {
    connection.pragma(`synchronous = ${options.synchronous}`)
    connection.pragma("foreign_keys = ON")
  })

  for (const migration of options.migrations) {
    if (migration.version <= version) continue
    yield* Effect.try({
      try: () =>
        connection.transaction(() => {
          connection.exec(migration.sql)
          connection.pragma(`application_id = ${applicationId}`)
          connection.pragma(`user_version = ${migration.version}`)
        }).immediate(),
      catch: (cause) =>
        new SyncLogError({
          reason: new OpenFailed({
            path: databasePath,
            detail: `migration to schema ${migration.version} (${migration.name}) failed: ${describeSqliteError(cause)}`
          })
        })
    })
  }

  if (kind === "missing") yield* attempt(databasePath, () => syncDirectory(path.dirname(databasePath)))
  return connection
})
