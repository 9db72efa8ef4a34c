/**
 * `verse-sync graph [--workspace WS]`: what the sync log of the data
 * directory holds, workspace by workspace, without a running node: the name,
 * the intents in the log, and the live nodes, edges, traversals and distinct
 * tags of the graph they build. The graph is rebuilt from the log through
 * the reducer a starting `serve` uses, so the numbers are the node's.
 *
 * The log is opened read-only and never changed: `graph` may run while a
 * `serve` writes to the same data directory, and then shows the last unit
 * that committed. It creates nothing, not even the data directory or a key.
 *
 * What it prints: one line a workspace (`GraphSummary.line`), or with
 * `--json` one record a workspace, `{"workspace":"default","name":
 * "Wikispeedia","intents":144035,"nodes":4061,"edges":31493,
 * "traversals":104420,"tags":128}`. A workspace named with `--workspace`
 * that the log holds nothing of is reported with zero counts.
 *
 * Fails with exit 1 and one line naming the file when there is no sync log,
 * or when it is not one (`SyncLogError`); a log of an older schema must be
 * migrated by starting `serve` once.
 *
 * Gotchas: rebuilding the graph takes about a second for the 144,035
 * Wikispeedia intents, and memory like a running node's.
 */
import { WorkspaceId, type WorkspaceSummary } from "@verse-sync/intent"
import { readSummary } from "@verse-sync/sync-log"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Durability from "./Durability.ts"
import * as GraphSummary from "./GraphSummary.ts"
import * as Output from "./Output.ts"
import * as RootCommand from "./RootCommand.ts"

/** The `graph` subcommand; see the module doc. */
export const command = Command.make(
  "graph",
  {
    workspace: Flag.String("workspace").pipe(
      Flag.withDescription("Only this workspace (default: every workspace in the log)"),
      Flag.withSchema(WorkspaceId),
      Flag.optional
    )
  },
  Effect.fn("GraphCommand.run")(function*({ workspace }) {
    const { json } = yield* RootCommand.command
    const output = Output.make({ json })
    const databasePath = Durability.syncLogPath(yield* RootCommand.dataDirectory)

    const summaries = yield* readSummary(databasePath, Option.getOrUndefined(workspace))

    const reported = Option.isSome(workspace) && summaries.length === 0 ? [empty(workspace.value)] : summaries
    if (reported.length === 0) yield* output.text(`the sync log ${databasePath} holds no intents yet`)
    for (const summary of reported) {
      yield* output.print(GraphSummary.line(summary), {
        workspace: summary.workspaceId,
        ...GraphSummary.counts(summary)
      })
    }
  })
).pipe(Command.withDescription("Print each workspace's graph from the sync log, without a running node"))

const empty = (workspaceId: WorkspaceId): WorkspaceSummary => ({
  workspaceId,
  name: null,
  intents: 0,
  nodes: 0,
  edges: 0,
  traversals: 0,
  tags: 0
})
