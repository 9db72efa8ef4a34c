/**
 * Shared fixtures of the sync log tests: a temporary `sync.db` per test, a
 * second connection that plays another process, and the bytes of a folder to
 * show that a refused file was left alone. Intents and units come from the
 * intent package's fixtures, so both packages test against the same data.
 */
import { GraphIntentReducer } from "@verse-sync/intent"
import Sqlite from "better-sqlite3"
import { Context, Effect, Layer, type Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { type DurableReducerOptions, SyncLog, type SyncLogError } from "../src/index.ts"

/** The path of `sync.db` in a fresh temporary directory, removed with all in it when the test's scope closes. */
export const temporaryLogPath: Effect.Effect<string, never, Scope.Scope> = Effect.map(
  Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "verse-sync-log-"))),
    (directory) => Effect.sync(() => fs.rmSync(directory, { recursive: true, force: true }))
  ),
  (directory) => path.join(directory, "sync.db")
)

/** Runs `use` on a connection of its own to `databasePath`, as another process would, then closes it. */
export const withConnection = <A>(databasePath: string, use: (connection: Sqlite.Database) => A): A => {
  const connection = new Sqlite(databasePath)
  try {
    return use(connection)
  } finally {
    connection.close()
  }
}

/** Every file in the directory of `databasePath` with its bytes, by name. */
export const folderBytes = (databasePath: string): Record<string, Buffer> => {
  const directory = path.dirname(databasePath)
  return Object.fromEntries(
    fs.readdirSync(directory).map((name) => [name, fs.readFileSync(path.join(directory, name))])
  )
}

/** How many intents the log holds, and how many distinct (workspace, author, sequence) among them. */
export const countLog = (databasePath: string): { readonly rows: number; readonly keys: number } =>
  withConnection(databasePath, (connection) =>
    connection.prepare(
      "SELECT count(*) AS rows, (SELECT count(*) FROM (SELECT DISTINCT workspace, author, sequence FROM intents)) " +
        "AS keys FROM intents"
    ).get() as { rows: number; keys: number })

/** The durable reducer, alive until the test's scope closes. */
export const buildReducer = (
  options: DurableReducerOptions
): Effect.Effect<GraphIntentReducer["Service"], SyncLogError, Scope.Scope> =>
  Effect.map(Layer.build(SyncLog.layerReducer(options)), Context.get(GraphIntentReducer))
