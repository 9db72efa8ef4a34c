/**
 * One node per data directory. Two `serve`s on one directory would share a
 * key and a trust store but keep two graphs, each taking what the other has
 * already taken, and fight over `trust.json`. The lock is a file,
 * `serve.lock`, created exclusively and holding the owner's process id; it is
 * removed when the scope that took it closes.
 *
 * Gotchas: a lock left by a process that died without cleaning up (SIGKILL,
 * power loss) is recognised by its process id no longer running, and taken
 * over. A process id reused by an unrelated process after a crash keeps the
 * lock held until that process ends; the error names the file to delete.
 */
import { Data, Effect, type Scope } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"

/** The lock file's name in the data directory. */
export const lockFileName = "serve.lock"

/** Another live process holds the data directory. */
export class DataDirectoryLocked extends Data.TaggedError("DataDirectoryLocked")<{
  readonly directory: string
  readonly pid: number
}> {
  override get message(): string {
    return `another verse-sync (process ${this.pid}) is serving ${this.directory}; stop it, or use another ` +
      `--data-dir (if no such process runs, delete ${path.join(this.directory, lockFileName)})`
  }
}

/** The lock file could not be written or read. */
export class DataDirectoryLockFailed extends Data.TaggedError("DataDirectoryLockFailed")<{
  readonly file: string
  readonly detail: string
}> {
  override get message(): string {
    return `cannot lock ${this.file}: ${this.detail}`
  }
}

/**
 * Takes the data directory for the scope's lifetime, or fails with
 * `DataDirectoryLocked` naming the process that has it. The directory must
 * exist.
 */
export const lockDataDirectory = (
  directory: string
): Effect.Effect<void, DataDirectoryLocked | DataDirectoryLockFailed, Scope.Scope> => {
  const file = path.join(directory, lockFileName)
  return Effect.acquireRelease(
    Effect.try({
      try: () => take(file),
      catch: (error) => new DataDirectoryLockFailed({ file, detail: errorDetail(error) })
    }).pipe(
      Effect.flatMap((holder) =>
        holder === undefined ? Effect.void : Effect.fail(new DataDirectoryLocked({ directory, pid: holder }))
      )
    ),
    () => Effect.sync(() => release(file))
  )
}

/** Creates the lock file; returns the live holder's pid when another process has it. */
const take = (file: string): number | undefined => {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx", mode: 0o600 })
      return undefined
    } catch (error) {
      if (!isCode(error, "EEXIST")) throw error
    }
    const holder = Number.parseInt(readOrEmpty(file), 10)
    if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder)) return holder
    // Left by a process that is gone: take it over.
    fs.rmSync(file, { force: true })
  }
  throw new Error("the lock file keeps reappearing")
}

const release = (file: string): void => {
  if (Number.parseInt(readOrEmpty(file), 10) === process.pid) fs.rmSync(file, { force: true })
}

const readOrEmpty = (file: string): string => {
  try {
    return fs.readFileSync(file, "utf8")
  } catch {
    return ""
  }
}

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user.
    return isCode(error, "EPERM")
  }
}

const isCode = (error: unknown, code: string): boolean =>
  typeof error === "object" && error !== null && "code" in error && error.code === code

const errorDetail = (error: unknown): string =>
  error instanceof Error ? error.message.split("\n", 1)[0]! : String(error)
