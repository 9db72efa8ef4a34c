/**
 * The statements of the sync log over an open connection: appending a unit
 * in one transaction, and replaying the log in log order. `SyncLog` serves
 * them to the reducer; `readSummary` replays them on a read-only connection.
 *
 * @since 0.1.0
 */
import type { EndpointId, LoggedUnit, SyncedIntent, WorkspaceId } from "@verse-sync/intent"
import { LogWriteError } from "@verse-sync/intent"
import Sqlite from "better-sqlite3"
import { Clock, Effect } from "effect"
import { Corrupt, SyncLogError } from "../SyncLogError.ts"
import { type Connection, describeSqliteError, sqliteFailure } from "./Database.ts"

/** The log's two operations; `replay` may be limited to one workspace. */
export interface LogStore {
  readonly append: (unit: LoggedUnit) => Effect.Effect<void, LogWriteError>
  readonly replay: (
    restore: (workspaceId: WorkspaceId, intent: SyncedIntent) => void,
    workspaceId?: WorkspaceId
  ) => Effect.Effect<void, SyncLogError>
}

type LogRow = [
  position: number,
  workspace: string,
  author: number,
  sequence: number,
  authoredAt: number,
  intent: string
]

const replayColumns = "rowid, workspace, author, sequence, authored_at, intent"

/**
 * The log over `connection`, which `openDatabase` opened and migrated.
 * `databasePath` only names the file in errors.
 *
 * Replayed rows are trusted as they are, not decoded again: they were decoded
 * before they were written, and the file passed the checks of `openDatabase`.
 * Decoding the Wikispeedia log would add about 0.9 s to every start. A row
 * that was edited by hand into something `JSON.parse` or `Graph.apply` cannot
 * take fails the replay as `Corrupt`; one that still parses is applied as it
 * is.
 */
export const makeLogStore = (connection: Connection, databasePath: string): LogStore => {
  const selectEndpoints = connection.prepare("SELECT id, endpoint_id FROM endpoints").raw()
  const insertEndpoint = connection.prepare("INSERT INTO endpoints (endpoint_id) VALUES (?)")
  const insertIntent = connection.prepare(
    "INSERT INTO intents (workspace, author, sequence, authored_at, received_from, received_at, intent) " +
      "VALUES (?, ?, ?, ?, ?, ?, ?)"
  )
  const selectLog = connection.prepare(`SELECT ${replayColumns} FROM intents ORDER BY rowid`).raw()
  const selectWorkspaceLog = connection.prepare(
    `SELECT ${replayColumns} FROM intents WHERE workspace = ? ORDER BY rowid`
  ).raw()

  // The interned id of each endpoint id: read from the table once, at the
  // first replay or append, then kept in step with it by `append`.
  let endpointIds: Map<EndpointId, number> | undefined
  const knownEndpoints = (): Map<EndpointId, number> => {
    endpointIds ??= new Map(
      (selectEndpoints.all() as Array<[number, EndpointId]>).map(([id, endpoint]) => [endpoint, id])
    )
    return endpointIds
  }

  // Returns the endpoints interned by this transaction: they are known only
  // once it commits, since a rollback takes their rows away again.
  const writeUnit = connection.transaction((unit: LoggedUnit, receivedAt: number): Map<EndpointId, number> => {
    const known = knownEndpoints()
    const added = new Map<EndpointId, number>()
    const idOf = (endpointId: EndpointId): number => {
      const id = known.get(endpointId) ?? added.get(endpointId)
      if (id !== undefined) return id
      const inserted = Number(insertEndpoint.run(endpointId).lastInsertRowid)
      added.set(endpointId, inserted)
      return inserted
    }
    const from = idOf(unit.from)
    for (const { authoredBy, authoredAt, sequence, intent } of unit.intents) {
      insertIntent.run(
        unit.workspaceId,
        idOf(authoredBy),
        sequence,
        authoredAt,
        from,
        receivedAt,
        JSON.stringify(intent)
      )
    }
    return added
  })

  const append = Effect.fn("SyncLog.append")(function*(unit: LoggedUnit): Effect.fn.Return<void, LogWriteError> {
    const receivedAt = yield* Clock.currentTimeMillis
    const added = yield* Effect.try({
      // IMMEDIATE takes the write lock first, so a locked database fails
      // before any statement of the unit has run.
      try: () => writeUnit.immediate(unit, receivedAt),
      catch: (cause) =>
        new LogWriteError({ workspaceId: unit.workspaceId, detail: `${databasePath}: ${describeSqliteError(cause)}` })
    })
    for (const [endpointId, id] of added) knownEndpoints().set(endpointId, id)
  })

  const replay = (
    restore: (workspaceId: WorkspaceId, intent: SyncedIntent) => void,
    workspaceId?: WorkspaceId
  ): Effect.Effect<void, SyncLogError> =>
    Effect.suspend(() => {
      let position = 0
      return Effect.try({
        try: () => {
          const endpoints = new Map(Array.from(knownEndpoints(), ([endpointId, id]) => [id, endpointId]))
          const rows = workspaceId === undefined ? selectLog.iterate() : selectWorkspaceLog.iterate(workspaceId)
          for (const row of rows) {
            const [rowid, workspace, author, sequence, authoredAt, intent] = row as LogRow
            position = rowid
            const authoredBy = endpoints.get(author)!
            restore(workspace, { authoredBy, authoredAt, sequence, intent: JSON.parse(intent) })
          }
        },
        // SQLite's own failures say what they are; anything else was thrown by
        // a row that JSON.parse or Graph.apply could not take.
        catch: (cause) =>
          cause instanceof Sqlite.SqliteError
            ? sqliteFailure(databasePath, cause, position === 0 ? undefined : `row ${position}`)
            : new SyncLogError({
              reason: new Corrupt({ path: databasePath, detail: `row ${position}: ${describeSqliteError(cause)}` })
            })
      })
    })

  return { append, replay }
}
