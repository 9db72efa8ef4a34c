/**
 * The `verse-sync` command itself, and the flags every subcommand shares:
 * `--data-dir` (where this device's key and trust store live) and `--json`
 * (one JSON object a line on stdout instead of text). They are accepted
 * before or after the subcommand's name; a subcommand reads them with
 * `yield* RootCommand.command`.
 *
 * The subcommands are attached in `main.ts`, so that each of them can name
 * this command without a cycle between the files.
 */
import { IdentityRegistry, resolveDataDirectory } from "@verse-sync/identity"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"

/** The root command with its shared flags, before the subcommands are attached. */
export const command = Command.make("verse-sync").pipe(
  Command.withSharedFlags({
    dataDirectory: Flag.String("data-dir").pipe(
      Flag.withMetavar("DIR"),
      Flag.withDescription(
        "Where this device's key, trust store and sync log live " +
          "(default: $VERSE_SYNC_HOME, else $XDG_DATA_HOME/verse-sync, else ~/.local/share/verse-sync)"
      ),
      Flag.optional
    ),
    json: Flag.Boolean("json").pipe(
      Flag.withDescription("Print one JSON object a line on stdout instead of text"),
      Flag.withDefault(false)
    )
  }),
  Command.withDescription("Sync a graph browser's intents between trusted devices over iroh")
)

/** The identity registry kept in the data directory `--data-dir` names, or the default one. */
const identityLayer = (dataDirectory: Option.Option<string>) =>
  IdentityRegistry.layerFile({ dataDirectory: Option.getOrUndefined(dataDirectory) })

/**
 * Runs `effect` with the identity registry of `--data-dir`, open for as long
 * as `effect` runs (its file watcher stops and last-seen times are saved when
 * it ends).
 */
export const provideIdentity = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(command, ({ dataDirectory }) => Effect.provide(effect, identityLayer(dataDirectory)))

/**
 * The absolute path of the data directory `--data-dir` names, or of the
 * default one. Nothing is created: `provideIdentity` creates the directory.
 */
export const dataDirectory = Effect.flatMap(
  command,
  ({ dataDirectory }) => resolveDataDirectory({ dataDirectory: Option.getOrUndefined(dataDirectory) })
)
