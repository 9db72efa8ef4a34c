/**
 * Where `serve` keeps what it applies, and how hard it keeps it: the sync log
 * `<data-dir>/sync.db` by default, or memory with `--memory`; and with the
 * log, SQLite's `synchronous` level (`--synchronous full|normal`, env
 * `VERSE_SYNC_SYNCHRONOUS`, default `full`).
 *
 * What each keeps (`@verse-sync/sync-log`, `SyncLog.ts`): with the log, an
 * acknowledged unit survives a killed process; with `full` also an
 * operating-system crash or a power loss, while `normal` may lose the last
 * units acknowledged before one (the dialer sends them again). With
 * `--memory`, nothing survives the process, and `--synchronous` is ignored.
 *
 * Gotchas: one node per data directory. A second `serve` on the same
 * directory opens the same log, and their graphs and version vectors drift
 * apart (see `SyncLog.ts`); reading the log meanwhile (`verse-sync graph`) is
 * fine.
 */
import { GraphIntentReducer } from "@verse-sync/intent"
import { SyncLog } from "@verse-sync/sync-log"
import { Config, Effect, Option } from "effect"
import { Flag } from "effect/cli"
import * as path from "node:path"
import * as RootCommand from "./RootCommand.ts"

/** The sync log's file name inside the data directory; SQLite keeps `sync.db-wal` and `sync.db-shm` beside it. */
export const syncLogFileName = "sync.db"

/** The sync log of the data directory `dataDirectory`. */
export const syncLogPath = (dataDirectory: string): string => path.join(dataDirectory, syncLogFileName)

const synchronousLevels = ["full", "normal"] as const

/** SQLite's `synchronous` level of the log, as the flag spells it. */
export type Synchronous = typeof synchronousLevels[number]

const defaultSynchronous: Synchronous = "full"

const isSynchronous = (value: string): value is Synchronous =>
  (synchronousLevels as ReadonlyArray<string>).includes(value)

/** `serve`'s flags that choose the reducer. */
export const flags = {
  memory: Flag.Boolean("memory").pipe(
    Flag.withDescription(
      "Keep the graph in memory only: nothing survives the process, and a restarted node is sent everything again " +
        `(default off: the graph is kept in the sync log ${syncLogFileName} in the data directory)`
    ),
    Flag.withDefault(false)
  ),
  synchronous: Flag.String("synchronous").pipe(
    Flag.withMetavar("full|normal"),
    Flag.withDescription(
      "full: an acknowledged unit survives a power loss; normal: a killed process only, and commits are cheaper " +
        `(default ${defaultSynchronous}; env VERSE_SYNC_SYNCHRONOUS)`
    ),
    Flag.withFallbackConfig(Config.String("VERSE_SYNC_SYNCHRONOUS").pipe(Config.withDefault(defaultSynchronous))),
    // Either case, as SQLite itself takes it: FULL is how its documentation spells it.
    Flag.filterMap(
      (value) => Option.liftPredicate(value.toLowerCase(), isSynchronous),
      () => "full or normal, from the flag or from VERSE_SYNC_SYNCHRONOUS"
    )
  )
} as const

/** What the flags chose. */
export interface Durability {
  readonly memory: boolean
  readonly synchronous: Synchronous
}

/**
 * The reducer the flags chose, for the data directory `dataDirectory`, which
 * must exist. Building the durable one opens `sync.db` (creating or migrating
 * it) and replays it; a file that is not a verse-sync log fails it with a
 * `SyncLogError` naming the file, which is left untouched.
 */
export const reducerLayer = (durability: Durability, dataDirectory: string) =>
  durability.memory
    ? GraphIntentReducer.layerMemory
    : SyncLog.layerReducer({
      databasePath: syncLogPath(dataDirectory),
      synchronous: durability.synchronous === "full" ? "FULL" : "NORMAL"
    })

/**
 * Runs `effect` with the reducer the flags chose, in the data directory of
 * `--data-dir`. Provide the identity registry outside of it: its layer
 * creates the data directory.
 */
export const provideReducer = <A, E, R>(effect: Effect.Effect<A, E, R>, durability: Durability) =>
  Effect.flatMap(
    RootCommand.dataDirectory,
    (dataDirectory) => Effect.provide(effect, reducerLayer(durability, dataDirectory))
  )
