/**
 * `verse-sync serve`: runs the SyncWorker until SIGINT or SIGTERM, with this
 * device's key and trust store (`--data-dir`) and an in-memory graph
 * (DESIGN.md "The command").
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
 *
 * The layers are split so that the summary can be read after the worker has
 * stopped: the graph, the trust store, SyncState and Diagnostics live as long
 * as the command; the worker and its ControlPanel only as long as it serves.
 *
 * Known shortcomings: the graph is in memory (`GraphIntentReducer.layerMemory`)
 * and is gone when serve exits; only the summary remains.
 */
import { GraphIntentReducer, type WorkspaceSummary } from "@verse-sync/intent"
import {
  ControlPanel,
  type DiagnosticEvent,
  Diagnostics,
  SyncStateService,
  SyncWorker,
  SyncWorkerConfig,
  type SyncWorkerOptions
} from "@verse-sync/sync-worker"
import { Effect, Fiber, Layer, Option, Stream, SubscriptionRef } from "effect"
import { Command, Flag } from "effect/cli"
import * as BindAddress from "./BindAddress.ts"
import { CommandFailure, ExitCode, markGracefulStop } from "./ExitCode.ts"
import * as Output from "./Output.ts"
import * as RootCommand from "./RootCommand.ts"

// The diagnostics printer has printed `sync.worker.stopped` well within this
// once the worker is released; it bounds the wait if an event was lost.
const drainTimeout = "2 seconds"

/** A worker setting's flag, named like its `VERSE_SYNC_…` variable, which it overrides. */
const settingFlag = (name: string, description: string, defaultValue: number) =>
  Flag.Int(name).pipe(
    Flag.withMetavar("N"),
    Flag.withDescription(
      `${description} (default ${defaultValue}; env VERSE_SYNC_${name.toUpperCase().replaceAll("-", "_")})`
    ),
    Flag.filterMap(
      (value) => value >= 1 ? Option.some(value) : Option.none(),
      (value) => `--${name} must be a positive integer, got ${value}`
    ),
    Flag.optional
  )

const defaults = SyncWorkerConfig.defaultConfig

/** A flag for every number of `SyncWorkerConfig`. */
const settingFlags = {
  maxSessions: settingFlag("max-sessions", "Live sessions in all", defaults.maxSessions),
  maxSessionsPerPeer: settingFlag(
    "max-sessions-per-peer",
    "Live sessions of one peer; one more supersedes the oldest",
    defaults.maxSessionsPerPeer
  ),
  handshakeTimeoutMs: settingFlag(
    "handshake-timeout-ms",
    "Time from a connection arriving to its Hello",
    defaults.handshakeTimeoutMs
  ),
  idleTimeoutMs: settingFlag("idle-timeout-ms", "An idle session is closed after this", defaults.idleTimeoutMs),
  maxFrameBytes: settingFlag("max-frame-bytes", "The largest frame a peer may send", defaults.maxFrameBytes),
  maxInflatedBytes: settingFlag(
    "max-inflated-bytes",
    "The most a compressed frame may inflate to",
    defaults.maxInflatedBytes
  ),
  maxBatchIntents: settingFlag("max-batch-intents", "The most intents in one unit", defaults.maxBatchIntents),
  maxInFlight: settingFlag("max-in-flight", "Units a peer may have unanswered", defaults.maxInFlight),
  readChunkBytes: settingFlag(
    "read-chunk-bytes",
    "The most bytes one read from a session stream takes",
    defaults.readChunkBytes
  )
} as const

type Settings = { -readonly [Key in keyof typeof settingFlags]: Option.Option<number> }

/** The settings given by flags; the rest come from `VERSE_SYNC_…` variables or the defaults. */
const workerOptions = (bind: Option.Option<string>, settings: Settings): SyncWorkerOptions => {
  const options: {
    -readonly [Key in keyof SyncWorkerConfig.SyncWorkerConfig]?: SyncWorkerConfig.SyncWorkerConfig[Key]
  } = {}
  if (Option.isSome(bind)) options.bindAddress = bind.value
  for (const key of Object.keys(settings) as Array<keyof Settings>) {
    const value = settings[key]
    if (Option.isSome(value)) options[key] = value.value
  }
  return options
}

/**
 * The `serve` subcommand. See the module doc for what it prints and how it
 * stops.
 */
export const command = Command.make(
  "serve",
  {
    bind: BindAddress.flag("Where peers dial this node", `default ${defaults.bindAddress}; env VERSE_SYNC_BIND`),
    settings: settingFlags
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

      const worker = SyncWorker.layerWorker(workerOptions(bind, settings)).pipe(Layer.provide(ControlPanel.layer))
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
    Effect.provide(Layer.mergeAll(Diagnostics.layer, SyncStateService.layer, GraphIntentReducer.layerMemory)),
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
 * The graph of each workspace when serve stopped. Text: one line a workspace,
 * `workspace default "Wikispeedia": 4061 nodes, 31493 edges, 104420
 * traversals, 128 tags, 144035 intents`. JSON: one summary record with the
 * workspaces by id, each with its name and the same counts (`tags` and
 * `intents` beyond the name, nodes, edges and traversals DESIGN.md shows).
 */
const printSummary = (output: Output.Output, summaries: ReadonlyArray<WorkspaceSummary>) =>
  Effect.gen(function*() {
    if (summaries.length === 0) yield* output.text("no workspace received any intent")
    for (const summary of summaries) {
      const name = summary.name === null ? "(unnamed)" : JSON.stringify(summary.name)
      yield* output.text(
        `workspace ${summary.workspaceId} ${name}: ${summary.nodes} nodes, ${summary.edges} edges, ` +
          `${summary.traversals} traversals, ${summary.tags} tags, ${summary.intents} intents`
      )
    }
    yield* output.record({
      event: "summary",
      workspaces: Object.fromEntries(
        summaries.map(({ workspaceId, ...counts }) => [workspaceId, {
          name: counts.name,
          nodes: counts.nodes,
          edges: counts.edges,
          traversals: counts.traversals,
          tags: counts.tags,
          intents: counts.intents
        }])
      )
    })
  })
