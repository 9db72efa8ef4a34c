/**
 * The entry point of `verse-sync`: attaches the subcommands to the root
 * command, provides what they run on, and runs the one the command line
 * names. Nothing else happens here; each subcommand is its own file.
 */
// The two modules by path: the package's index loads every Node module it has
// (HTTP, cluster, sockets, …), 600 ms of every start of the command.
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect, Layer } from "effect"
import { Command } from "effect/cli"
import * as ErrorReport from "./ErrorReport.ts"
import * as ExitCode from "./ExitCode.ts"
import * as GraphCommand from "./GraphCommand.ts"
import * as IdCommand from "./IdCommand.ts"
import * as PushCommand from "./PushCommand.ts"
import * as RootCommand from "./RootCommand.ts"
import * as ServeCommand from "./ServeCommand.ts"
import * as StderrLogger from "./StderrLogger.ts"
import * as TrustCommand from "./TrustCommand.ts"

const version = "0.1.0"

const verseSync = RootCommand.command.pipe(
  Command.withSubcommands([
    IdCommand.command,
    TrustCommand.command,
    ServeCommand.command,
    PushCommand.command,
    GraphCommand.command
  ])
)

// Failures are reported by `ErrorReport` (one line on stderr) rather than by
// runMain's logger, and turned into exit codes by `ExitCode.teardown`.
verseSync.pipe(
  Command.run({ version }),
  Effect.tapCause(ErrorReport.report),
  Effect.provide(Layer.mergeAll(NodeServices.layer, StderrLogger.layer, ErrorReport.presenterLayer)),
  NodeRuntime.runMain({ disableErrorReporting: true, teardown: ExitCode.teardown })
)
