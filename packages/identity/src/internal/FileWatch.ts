/**
 * Notices when one file changes, whoever changed it: this process, another
 * `verse-sync` process, or a person with an editor.
 *
 * Two sources wake the watcher: `fs.watch` on the file's directory (fast,
 * but unreliable on network and some container file systems, and it can
 * stop with an error) and a poll every half second (slow, but always works).
 * Either way the file's stat fingerprint decides whether it really changed,
 * so a burst of events costs one reload.
 */
import { Duration, Effect, Option, Queue, type Scope } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { hasErrorCode } from "./describeCause.ts"

// A revocation written by another process must reach a live session within
// one second; polling at half that leaves the other half for reading the file.
const pollInterval = Duration.millis(500)

// The directory, not the file, is watched: an atomic write replaces the file
// by rename, and a watch on the old file would never see the new one.
const watchDirectory = (directory: string, fileName: string, onEvent: () => void): fs.FSWatcher | undefined => {
  try {
    const watcher = fs.watch(directory, { persistent: false }, (_event, changed) => {
      if (changed === null || changed === fileName) onEvent()
    })
    // The poll carries on alone after a watch error (e.g. the directory was removed).
    watcher.on("error", () => watcher.close())
    return watcher
  } catch {
    return undefined
  }
}

// Inode, size and nanosecond times: an atomic replace always changes the inode,
// an edit in place always changes the times.
const fingerprint = (filePath: string): Effect.Effect<string> =>
  Effect.promise(async () => {
    try {
      const stat = await fs.promises.stat(filePath, { bigint: true })
      return `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`
    } catch (cause) {
      return hasErrorCode(cause, "ENOENT") ? "absent" : `unreadable:${String(cause)}`
    }
  })

/**
 * Runs `onChange` soon after the file at `filePath` changes (including being
 * created or removed), and once shortly after starting. Runs until the scope
 * closes. `onChange` runs one at a time; changes made while it runs trigger
 * one more run after it.
 */
export const watchFile = Effect.fnUntraced(
  function*(filePath: string, onChange: Effect.Effect<void>): Effect.fn.Return<void, never, Scope.Scope> {
    const wakeUps = yield* Queue.sliding<void>(1)
    yield* Effect.acquireRelease(
      Effect.sync(() =>
        watchDirectory(path.dirname(filePath), path.basename(filePath), () => Queue.offerUnsafe(wakeUps, undefined))
      ),
      (watcher) => Effect.sync(() => watcher?.close())
    )

    let lastFingerprint = Option.none<string>()
    const checkForChange = Effect.gen(function*() {
      const current = yield* fingerprint(filePath)
      if (Option.contains(lastFingerprint, current)) return
      lastFingerprint = Option.some(current)
      yield* onChange
    })

    yield* Queue.take(wakeUps).pipe(
      Effect.timeoutOption(pollInterval),
      Effect.andThen(checkForChange),
      Effect.forever,
      Effect.forkScoped
    )
  }
)
