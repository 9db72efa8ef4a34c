/**
 * What a sync log holds, read without a running node: for `verse-sync graph`.
 * The file is opened read-only and never changed, so it can be read while a
 * node is writing to it (it then shows the last committed unit).
 *
 * @since 0.1.0
 */
import { GraphIntentReducer, type VersionVector, type WorkspaceId, type WorkspaceSummary } from "@verse-sync/intent"
import { Effect, type Scope } from "effect"
import * as path from "node:path"
import { openDatabase } from "./internal/Database.ts"
import { makeLogStore } from "./internal/LogStore.ts"
import { migrations } from "./internal/Migrations.ts"
import type { SyncLogError } from "./SyncLogError.ts"

/**
 * One workspace as its log has it: the reducer's summary (name, intents in
 * the log, live nodes and edges, traversals, distinct tags) and its version
 * vector, the highest sequence of each author.
 */
export interface LogSummary extends WorkspaceSummary {
  readonly versionVector: VersionVector
}

/**
 * Reads the log at `databasePath` and summarises each workspace, in the order
 * they were first written to; only `workspace` if given (an empty array when
 * the log holds nothing of it). It rebuilds the graphs as a starting node
 * would, through the same reducer, so the numbers are the node's.
 *
 * Fails with `SyncLogError`: `NotFound` when there is no file, and as opening
 * for writing does for a file that is not a verse-sync log; a log of an older
 * schema is `OutdatedSchema`, since reading never migrates.
 */
export const readSummary = Effect.fn("SyncLog.readSummary")(
  function*(
    databasePath: string,
    workspace?: WorkspaceId
  ): Effect.fn.Return<ReadonlyArray<LogSummary>, SyncLogError, Scope.Scope> {
    const resolved = path.resolve(databasePath)
    const connection = yield* openDatabase(resolved, { readOnly: true, synchronous: "FULL", migrations })
    const store = makeLogStore(connection, resolved)
    const reducer = yield* GraphIntentReducer.makeLogged({
      replay: (restore) => store.replay(restore, workspace),
      append: store.append
    })

    const summaries = yield* reducer.summaries
    return yield* Effect.forEach(
      summaries,
      (summary) =>
        Effect.map(reducer.versionVector(summary.workspaceId), (versionVector) => ({ ...summary, versionVector }))
    )
  },
  Effect.scoped
)
