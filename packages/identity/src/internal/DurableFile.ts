/**
 * Durable, atomic writes of small files: after a crash or power loss a file
 * holds either its old contents or its new ones, never a mix or nothing.
 *
 * The recipe: write a temporary file in the same directory, fsync it, rename
 * it over the target (or hard-link it to the target when the target must not
 * be replaced), then fsync the directory so the rename itself is durable.
 * A temporary file left behind by a crash is named `.<name>.<pid>.<random>.tmp`;
 * readers never look at it and it can be deleted.
 */
import { Effect } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { IdentityError, WriteFailed } from "../IdentityError.ts"
import { describeCause, hasErrorCode } from "./describeCause.ts"

const temporaryPathFor = (target: string): string =>
  path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`
  )

/**
 * Makes a completed rename or link in `directory` survive a power loss.
 * Some platforms (Windows) cannot open a directory to fsync it; there the
 * rename is as durable as the platform makes it, and that is accepted.
 */
const syncDirectory = async (directory: string): Promise<void> => {
  let handle: fs.FileHandle
  try {
    handle = await fs.open(directory, "r")
  } catch (cause) {
    if (hasErrorCode(cause, "EISDIR") || hasErrorCode(cause, "EPERM")) return
    throw cause
  }
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Writes `contents` to `target` atomically and durably, with permission
 * bits `mode`. With `ifAbsent`, an existing `target` is never replaced: the
 * result is then `false` and nothing changed. Otherwise `target` is replaced
 * and the result is `true`.
 */
export const writeFileAtomically = (
  target: string,
  contents: string,
  options: { readonly mode: number; readonly ifAbsent: boolean }
): Effect.Effect<boolean, IdentityError> =>
  Effect.tryPromise({
    try: async () => {
      const temporary = temporaryPathFor(target)
      try {
        const handle = await fs.open(temporary, "wx", options.mode)
        try {
          await handle.writeFile(contents, "utf8")
          await handle.sync()
        } finally {
          await handle.close()
        }

        if (options.ifAbsent) {
          try {
            // link, unlike rename, fails when the target exists: the check and the write are one step.
            await fs.link(temporary, target)
          } catch (cause) {
            if (hasErrorCode(cause, "EEXIST")) return false
            throw cause
          }
        } else {
          await fs.rename(temporary, target)
        }

        await syncDirectory(path.dirname(target))
        return true
      } finally {
        await fs.rm(temporary, { force: true })
      }
    },
    catch: (cause) => new IdentityError({ reason: new WriteFailed({ path: target, detail: describeCause(cause) }) })
  })

/**
 * Creates `directory` (and its missing parents) with mode 0700 if it does
 * not exist. An existing directory is left as it is, permissions included.
 */
export const ensureDirectory = (directory: string): Effect.Effect<void, IdentityError> =>
  Effect.tryPromise({
    try: () => fs.mkdir(directory, { recursive: true, mode: 0o700 }),
    catch: (cause) => new IdentityError({ reason: new WriteFailed({ path: directory, detail: describeCause(cause) }) })
  }).pipe(Effect.asVoid)
