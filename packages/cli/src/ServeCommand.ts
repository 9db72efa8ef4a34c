/**
 * `verse-sync serve`: runs the SyncWorker until SIGINT or SIGTERM, with this
 * device's key, trust store and sync log in the data directory (`--data-dir`),
 * or a graph in memory with `--memory` (DESIGN.md "The command";
 * `Durability.ts`).
 *
 * What it prints on stdout:
 *
 * - text: `ready <ticket>` once the worker accepts connections (it sets
 *   `running` in SyncState just before it reports `sync.worker.started`),
 *   then every diagnostic as `HH:MM:SS SEVERITY channel message`; after a
 *   restart the worker is bound anew and a new `ready` line gives its ticket.
 * - `--json`: every diagnostic as `{"event":"diagnostic",…}`. There is no
 *   `ready` record: the `sync.worker.started` diagnostic is that signal, and
 *   its fields carry the `endpointId` and the `ticket`.
 * - on SIGINT or SIGTERM, once the worker has stopped (sessions closed with
 *   code 6, endpoint closed, `sync.worker.stopped` printed): a summary of each
 *   workspace's graph, then exit 0.
 *
 * If the worker gives up (it crashed more often than its restart policy
 * allows, e.g. it cannot bind), serve exits 1 with the last crash's reason.
 * A `sync.db` that is not a verse-sync log, or is damaged, stops serve before
 * it binds: one line naming the file, exit 1, and the file is left as it was.
 *
 * The layers are split so that the summary can be read after the worker has
 * stopped: the graph, the trust store, SyncState and Diagnostics live as long
 * as the command; the worker and its ControlPanel only as long as it serves.
 *
 * Starting replays the whole sync log into the graphs (about a second for
 * the 144,035 Wikispeedia intents on 2 cores) before the worker binds, so
 * `ready` comes that much later.
 */
import { lockDataDirectory } from "@verse-sync/identity"
import { GraphIntentReducer, type WorkspaceSummary } from "@verse-sync/intent"
import {
  ControlPanel,
  type DiagnosticEvent,
  Diagnostics,
  SyncStateService,
  SyncWorker,
  SyncWorkerConfig
} from "@verse-sync/sync-worker"
import { Effect, Fiber, Layer, Option, Stream, SubscriptionRef } from "effect"
import { Command } from "effect/cli"
import * as BindAddress from "./BindAddress.ts"
import * as Durability from "./Durability.ts"
import { CommandFailure, ExitCode, markGracefulStop } from "./ExitCode.ts"
import * as GraphSummary from "./GraphSummary.ts"
import * as Output from "./Output.ts"
import * as RootCommand from "./RootCommand.ts"
import * as WorkerSettings from "./WorkerSettings.ts"

// The diagnostics printer has printed `sync.worker.stopped` well within this
// once the worker is released; it bounds the wait if an event was lost.
const drainTimeout = "2 seconds"

/**
 * The `serve` subcommand. See the module doc for what it prints and how it
 * stops.
 */
export const command = Command.make(
  "serve",
  {
    bind: BindAddress.flag(
      "Where peers dial this node",
      `default ${SyncWorkerConfig.defaultConfig.bindAddress}; env VERSE_SYNC_BIND`
    ),
    durability: Durability.flags,
    settings: WorkerSettings.flags
  },
  Effect.fn("ServeCommand.run")(
    function*({ bind, settings }) {
      const { json } = yield* RootCommand.command
      const output = Output.make({ json })
      const diagnostics = yield* Diagnostics
      const state = yield* SyncStateService
      const reducer = yield* GraphIntentReducer

      // Subscribed before the worker starts, so its `started` event is seen;
      // it ends with `stopped`, the worker's last word.
      const printer = yield* diagnostics.events.pipe(
        Stream.takeUntil((event) => event.channel === "sync.worker.stopped"),
        Stream.runForEach((event) => printDiagnostic(output, event)),
        Effect.forkScoped({ startImmediately: true })
      )

      const worker = SyncWorker.layerWorker(WorkerSettings.workerOptions(bind, settings)).pipe(
        Layer.provide(ControlPanel.layer)
      )
      yield* untilWorkerFails(state).pipe(
        Effect.provide(worker),
        Effect.onExit(() => Fiber.join(printer).pipe(Effect.timeoutOption(drainTimeout))),
        Effect.onInterrupt(() =>
          Effect.gen(function*() {
            yield* printSummary(output, yield* reducer.summaries)
            markGracefulStop()
          })
        )
      )
    },
    Effect.scoped,
    Effect.provide(Layer.merge(Diagnostics.layer, SyncStateService.layer)),
    (effect, { durability }) => Durability.provideReducer(effect, durability),
    // One node per data directory: taken after the identity layer made the directory, before the log opens.
    (effect) =>
      Effect.scoped(RootCommand.dataDirectory.pipe(Effect.flatMap(lockDataDirectory), Effect.andThen(effect))),
    RootCommand.provideIdentity
  )
).pipe(Command.withDescription("Accept trusted peers and apply their intents until stopped (SIGINT, SIGTERM)"))

/** Waits while the worker runs or restarts; fails once it has given up (status `failed`). */
const untilWorkerFails = (state: SyncStateService["Service"]) =>
  SubscriptionRef.changes(state).pipe(
    Stream.filter((value) => value.status === "failed"),
    Stream.runHead,
    Effect.flatMap((failed) =>
      Effect.fail(
        new CommandFailure({
          exitCode: ExitCode.Usage,
          message: `the sync worker gave up: ${
            Option.getOrUndefined(failed)?.lastError ?? "unknown error"
          }; check --bind and the diagnostics above`
        })
      )
    )
  )

/** One diagnostic: `HH:MM:SS SEVERITY channel message`, or its JSON record; a `ready` line before `started`. */
const printDiagnostic = (output: Output.Output, event: DiagnosticEvent) =>
  Effect.gen(function*() {
    if (event.channel === "sync.worker.started") yield* output.text(`ready ${event.fields["ticket"]}`)
    yield* output.print(
      Output.timestamped(event.at, event.severity, `${event.channel} ${event.message}`),
      {
        event: "diagnostic",
        channel: event.channel,
        severity: event.severity,
        at: new Date(event.at).toISOString(),
        message: event.message,
        fields: event.fields
      }
    )
  })

/**
 * The graph of each workspace when serve stopped. Text: one line a workspace
 * (`GraphSummary.line`). JSON: one summary record with the workspaces by id,
 * each with its name and counts (`tags` and `intents` beyond the name, nodes,
 * edges and traversals DESIGN.md shows).
 */
const printSummary = (output: Output.Output, summaries: ReadonlyArray<WorkspaceSummary>) =>
  Effect.gen(function*() {
    if (summaries.length === 0) yield* output.text("no workspace received any intent")
    for (const summary of summaries) yield* output.text(GraphSummary.line(summary))
    yield* output.record({
      event: "summary",
      workspaces: Object.fromEntries(summaries.map((summary) => [summary.workspaceId, GraphSummary.counts(summary)]))
    })
  })
