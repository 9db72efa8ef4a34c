/**
 * Where verse-sync keeps this device's files (`identity.key`, `trust.json`).
 *
 * The environment is read through Effect `Config`, so a test (or an embedding
 * application) can answer with its own `ConfigProvider` instead of the
 * process environment.
 */
import { Config, Effect, Option } from "effect"
import * as os from "node:os"
import * as path from "node:path"

/** The folder under `$XDG_DATA_HOME` (or `~/.local/share`) that verse-sync uses. */
const applicationFolder = "verse-sync"

// An empty variable counts as unset: the XDG base directory spec says so for
// XDG_DATA_HOME, and `VERSE_SYNC_HOME=` is more likely a slip than a wish for
// the current directory.
const nonEmptyVariable = (name: string): Config.Config<Option.Option<string>> =>
  Config.String(name).pipe(
    Config.option,
    Config.map(Option.filter((value) => value.length > 0))
  )

/**
 * Resolves the data directory to an absolute path: the explicit
 * `dataDirectory` if given, else `$VERSE_SYNC_HOME`, else
 * `$XDG_DATA_HOME/verse-sync`, else `~/.local/share/verse-sync` (home from
 * `$HOME`, else the operating system's idea of it). Relative paths are
 * resolved against the current directory. Nothing is created or checked here.
 */
export const resolveDataDirectory = Effect.fn("resolveDataDirectory")(
  function*(options?: { readonly dataDirectory?: string | undefined }) {
    if (options?.dataDirectory !== undefined) {
      return path.resolve(options.dataDirectory)
    }

    const verseSyncHome = yield* nonEmptyVariable("VERSE_SYNC_HOME")
    if (Option.isSome(verseSyncHome)) {
      return path.resolve(verseSyncHome.value)
    }

    const xdgDataHome = yield* nonEmptyVariable("XDG_DATA_HOME")
    if (Option.isSome(xdgDataHome)) {
      return path.resolve(xdgDataHome.value, applicationFolder)
    }

    const home = yield* nonEmptyVariable("HOME")
    return path.resolve(Option.getOrElse(home, () => os.homedir()), ".local", "share", applicationFolder)
  }
)
