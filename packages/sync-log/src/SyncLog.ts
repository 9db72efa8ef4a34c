/**
 * The sync log: every intent this node applied, in `sync.db` in the data
 * directory, and the durable `GraphIntentReducer` built on it. An Ack is a
 * promise that holds across a crash: a unit's new intents are written in one
 * SQLite transaction, and `submit` resolves only after it commits.
 *
 * Each intent is kept once, keyed by (workspace, author, sequence), with its
 * authored-at time, the peer it came from and when it was received. On start
 * the reducer replays the log in log order (SQLite's rowid) into one `Graph`
 * per workspace; each workspace's version vector is what the log holds, the
 * highest sequence of each author (the protocol keeps them contiguous).
 *
 * What survives what, with the default `synchronous: "FULL"`: a unit whose
 * submit resolved survives a killed process, an operating-system crash and a
 * power loss (as far as the disk honours its flushes); a unit in flight is
 * either wholly in the log or not at all. With `"NORMAL"`, a killed process
 * loses nothing either, but an operating-system crash or power loss may lose
 * the last units acknowledged before it; the log stays consistent, and the
 * dialer sends them again since the version vector says they are missing.
 *
 * What it costs, measured on the project's 2-core machine for the 144,035
 * Wikispeedia intents in units of 1000: about 95,000 intents/s with `FULL`
 * and 100,000 with `NORMAL`, against about 1,200,000 for the memory reducer
 * (decoding the units costs as much again, for both); about 0.5 ms per commit
 * with `FULL` and 0.3 ms with `NORMAL`, which dominates small units; 29.8 MB of
 * disk for the 26.7 MB intents file; about 0.9 s of replay at every start.
 *
 * Gotchas:
 * - better-sqlite3 is synchronous: a unit's transaction, fsync included, runs
 *   on the event loop and holds up every session meanwhile (about 10 ms for a
 *   unit of 1000 intents; up to half a second if another process holds the
 *   write lock, and then the unit fails with `LogWriteError`).
 * - One node per file. Another process writing to the same `sync.db` is not
 *   seen by this one's graphs; its intents collide with ours on the primary
 *   key (`LogWriteError`) or are missing from our version vector. Reading it
 *   meanwhile (`readSummary`) is fine.
 * - Every start replays the whole log, in time growing with it; nothing is
 *   ever removed from it.
 * - If a commit fails in a way that still left it on disk (an fsync error
 *   after the write), the log holds intents the reducer does not know of;
 *   resending them fails on the primary key until the node restarts.
 *
 * @since 0.1.0
 */
import {
  GraphIntentReducer,
  type LoggedUnit,
  type LogWriteError,
  type MemoryOptions,
  type SyncedIntent,
  type WorkspaceId
} from "@verse-sync/intent"
import { Context, Effect, Layer } from "effect"
import * as path from "node:path"
import { openDatabase, type Synchronous } from "./internal/Database.ts"
import { makeLogStore } from "./internal/LogStore.ts"
import { migrations } from "./internal/Migrations.ts"
import type { SyncLogError } from "./SyncLogError.ts"

export type { Synchronous } from "./internal/Database.ts"

/**
 * Where the log is and how hard it syncs. `databasePath` is the `sync.db`
 * file, resolved against the current directory; its directory must exist.
 * `synchronous` is `"FULL"` unless said otherwise; the module doc says what
 * each level keeps.
 */
export interface SyncLogOptions {
  readonly databasePath: string
  readonly synchronous?: Synchronous
}

/** Options of the durable reducer: the log's, and the queue's as for the memory reducer. */
export interface DurableReducerOptions extends SyncLogOptions, MemoryOptions {}

const makeSyncLog = Effect.fnUntraced(function*(options: SyncLogOptions) {
  const databasePath = path.resolve(options.databasePath)
  const connection = yield* openDatabase(databasePath, {
    readOnly: false,
    synchronous: options.synchronous ?? "FULL",
    migrations
  })
  const store = makeLogStore(connection, databasePath)
  return SyncLog.of({ databasePath, append: store.append, replay: (restore) => store.replay(restore) })
})

/**
 * The sync log service, open for writing. It is the `ReducerLog` of the
 * durable reducer, which is its only writer.
 *
 * - `databasePath`: the absolute path of `sync.db`.
 * - `append(unit)`: writes a unit's new intents in one transaction, received
 *   now from `unit.from`; resolves once it has committed, or fails with
 *   `LogWriteError` having written nothing. A (workspace, author, sequence)
 *   already in the log fails the whole unit: the reducer never sends one.
 * - `replay(restore)`: hands every logged intent to `restore`, in log order.
 */
export class SyncLog extends Context.Service<SyncLog, {
  readonly databasePath: string
  readonly append: (unit: LoggedUnit) => Effect.Effect<void, LogWriteError>
  readonly replay: (
    restore: (workspaceId: WorkspaceId, intent: SyncedIntent) => void
  ) => Effect.Effect<void, SyncLogError>
}>()("verse-sync/SyncLog") {
  /**
   * Opens (or creates) the log at `options.databasePath`, refusing a file that
   * is not a verse-sync log and migrating an older one; see `SyncLogError`.
   * The connection is closed when the layer is released.
   */
  static readonly layer = (options: SyncLogOptions): Layer.Layer<SyncLog, SyncLogError> =>
    Layer.effect(SyncLog, makeSyncLog(options))

  /**
   * The durable `GraphIntentReducer`: the memory reducer's semantics (queue
   * of 64 units by default, one consumer, duplicates skipped and counted,
   * `SequenceGapError` rejecting a whole unit) over the log at
   * `options.databasePath`. Building it replays the log; releasing it stops
   * the consumer, then closes the log.
   */
  static readonly layerReducer = (
    options: DurableReducerOptions
  ): Layer.Layer<GraphIntentReducer, SyncLogError> =>
    Layer.effect(
      GraphIntentReducer,
      Effect.gen(function*() {
        return yield* GraphIntentReducer.makeLogged(yield* SyncLog, options)
      })
    ).pipe(Layer.provide(SyncLog.layer(options)))
}
