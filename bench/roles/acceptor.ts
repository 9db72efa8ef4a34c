/**
 * A verse-sync node for the benchmark: a SyncWorker with an in-memory trust
 * store and the in-memory reducer (`TestWorker.layer`, logs off), bound on
 * loopback; or, on request, the durable reducer (`SyncLog.layerReducer`,
 * `synchronous` FULL, as `verse-sync serve` runs by default) on a fresh
 * `sync.db` in a new temporary directory. One process serves several runs,
 * each on a fresh worker and a fresh, empty reducer.
 *
 * Commands:
 * - `start {trusted, bindAddress?, durable?}`: builds a worker trusting
 *   `trusted` (endpoint ids, role `self`), with the durable reducer if
 *   `durable`; reports `ready {ticket, startMs}`, the time from building the
 *   layer to the worker `running` (opening the empty log included).
 * - `stop`: releases the worker (graceful shutdown), then deletes its log's
 *   temporary directory if it had one; reports `stopped`.
 * - `awaitIdle {count}`: reports `idle {at}` once `count` sessions are Idle.
 * - `awaitApplied {intents}`: reports `applied {at, totals}` once that many
 *   intents are applied.
 * - `crash`: closes the worker's endpoint under it (a worker defect); reports
 *   `restarted {crashedAt, restartingAt, runningAt, status, ticket, …}` once
 *   the ControlPanel has it `running` again, or has given up (`failed`,
 *   `runningAt` null).
 * - `summary`: reports `summary {workspaces}` of the reducer.
 * - `memory`: reports `memory {rss, heapUsed}`.
 */
import { GraphIntentReducer } from "@verse-sync/intent"
import { SyncLog } from "@verse-sync/sync-log"
import { SyncState, SyncWorker } from "@verse-sync/sync-worker"
import { TestWorker } from "@verse-sync/sync-worker/testing"
import { Effect, Fiber, Layer, ManagedRuntime, Option, Stream, SubscriptionRef } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Role from "./Role.ts"

type Worker = ReturnType<typeof makeWorker>

/**
 * The durable reducer on a fresh `sync.db` in `logDirectory`. A log that
 * cannot be opened is a defect here: the directory is new and empty.
 */
const durableReducer = (logDirectory: string) =>
  SyncLog.layerReducer({ databasePath: join(logDirectory, "sync.db"), synchronous: "FULL" }).pipe(Layer.orDie)

const makeWorker = (trusted: ReadonlyArray<string>, bindAddress: string, logDirectory: string | undefined) =>
  ManagedRuntime.make(
    TestWorker.layer({
      bindAddress,
      peers: trusted.map((endpointId) => ({ endpointId, role: "self" as const })),
      reducer: logDirectory === undefined ? undefined : durableReducer(logDirectory)
    })
  )

let worker: Worker | undefined
// The temporary directory of the current worker's log, if it has one.
let logDirectory: string | undefined

const removeLogDirectory = () => {
  if (logDirectory !== undefined) rmSync(logDirectory, { recursive: true, force: true })
  logDirectory = undefined
}

// The runner ends a role by closing its stdin (see `Role`), and the log goes
// with it; a role killed outright (SIGKILL, the runner's last resort) leaves its
// `verse-sync-bench-log-*` directory in the system's temporary directory.
process.on("exit", removeLogDirectory)

const run = <A>(effect: Effect.Effect<A, unknown, ManagedRuntime.ManagedRuntime.Services<Worker>>): Promise<A> => {
  if (worker === undefined) throw new Error("no worker: send start first")
  return worker.runPromise(effect)
}

/** Waits for the first state that satisfies `predicate`, and the time it was seen. */
const awaitState = (predicate: (state: SyncState.SyncStateValue) => boolean) =>
  TestWorker.awaitState(predicate).pipe(Effect.map((state) => ({ state, at: Role.now() })))

// Past this, a wait for sessions to be Idle reports where they are instead.
const awaitIdleTimeout = "10 seconds"

/** The live sessions by phase and how the recent ones ended: what explains a wait that timed out. */
const describeSessions = async (): Promise<string> => {
  const state = await run(Effect.gen(function*() {
    return yield* SubscriptionRef.get(yield* SyncState.SyncState)
  }))
  const phases: Record<string, number> = {}
  for (const session of Object.values(state.sessions)) phases[session.phase] = (phases[session.phase] ?? 0) + 1
  const ended = state.recentSessions.slice(0, 5).map((session) => `code ${session.closeCode} (${session.closeReason})`)
  return `live sessions by phase ${JSON.stringify(phases)}; last ended: ${ended.join(", ") || "none"}`
}

await Role.serveCommands(async (command) => {
  switch (command.command) {
    case "start": {
      if (command["durable"] === true) logDirectory = mkdtempSync(join(tmpdir(), "verse-sync-bench-log-"))
      const startedAt = Role.now()
      worker = makeWorker(
        command["trusted"] as ReadonlyArray<string>,
        (command["bindAddress"] as string | undefined) ?? "127.0.0.1:0",
        logDirectory
      )
      const ticket = await run(TestWorker.awaitTicket)
      Role.emit("ready", { ticket, startMs: Role.now() - startedAt })
      break
    }
    case "stop":
      await worker?.dispose()
      worker = undefined
      removeLogDirectory()
      Role.emit("stopped")
      break
    case "awaitIdle": {
      const count = command["count"] as number
      const idle = await run(
        awaitState((state) =>
          Object.values(state.sessions).filter((session) => session.phase === "Idle").length >= count
        )
          .pipe(Effect.timeoutOption(awaitIdleTimeout))
      )
      if (Option.isNone(idle)) throw new Error(`not ${count} sessions Idle in time: ${await describeSessions()}`)
      Role.emit("idle", { at: idle.value.at })
      break
    }
    case "awaitApplied": {
      const intents = command["intents"] as number
      const { at, state } = await run(awaitState((state) => state.totals.intentsApplied >= intents))
      Role.emit("applied", { at, totals: state.totals })
      break
    }
    case "crash": {
      const restarted = await run(Effect.gen(function*() {
        const state = yield* SyncState.SyncState
        const endpoint = Option.getOrThrow(yield* (yield* SyncWorker).endpoint)
        const before = (yield* SubscriptionRef.get(state)).restarts
        // Watched from before the crash, so no change can slip past.
        const changes = yield* SubscriptionRef.changes(state).pipe(
          Stream.map((value) => ({ value, at: Role.now() })),
          Stream.filter(({ value }) => value.restarts > before),
          Stream.takeUntil(({ value }) => value.status === "running" || value.status === "failed"),
          Stream.runCollect,
          Effect.forkChild
        )
        yield* Effect.yieldNow
        const crashedAt = Role.now()
        yield* Effect.promise(() => endpoint.native.close())
        const seen = yield* Fiber.join(changes)
        const last = seen.at(-1)!
        return {
          crashedAt,
          restartingAt: seen.find(({ value }) => value.status === "restarting")?.at ?? null,
          runningAt: last.value.status === "running" ? last.at : null,
          status: last.value.status,
          restarts: last.value.restarts - before,
          ticket: last.value.ticket,
          lastError: last.value.lastError
        }
      }))
      Role.emit("restarted", restarted)
      break
    }
    case "summary": {
      const workspaces = await run(Effect.gen(function*() {
        return yield* (yield* GraphIntentReducer).summaries
      }))
      Role.emit("summary", { workspaces })
      break
    }
    case "memory":
      Role.emit("memory", Role.memory())
      break
  }
})
