/**
 * `identity.key`: this device's secret key on disk, as 64 lowercase hex
 * characters and a newline, mode 0600. Created on first use, then only ever
 * read: a file that is not exactly that is refused, never repaired or
 * replaced, because a new key is a new endpoint id and every peer that
 * trusted the old one would refuse this device.
 */
import { Effect, Option } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { IdentityError, KeyMalformed, KeyUnreadable } from "../IdentityError.ts"
import { describeCause, hasErrorCode } from "./describeCause.ts"
import { writeFileAtomically } from "./DurableFile.ts"
import { generateSecretKey, secretKeyLength } from "./SecretKey.ts"

/** The key file's name inside the data directory. */
export const keyFileName = "identity.key"

const keyFileFormat = /^[0-9a-f]{64}\n$/
const keyFileLength = secretKeyLength * 2 + 1

// Group and others get nothing: anyone who can read the key can be this device.
const keyFileMode = 0o600

interface KeyFileContents {
  readonly text: string
  readonly mode: number
}

const keyUnreadable = (keyPath: string, cause: unknown) =>
  new IdentityError({ reason: new KeyUnreadable({ path: keyPath, detail: describeCause(cause) }) })

// Reads at most what a well-formed key file holds: a huge file at that path is
// malformed, and there is no reason to load it into memory to find that out.
const readKeyFile = (keyPath: string): Effect.Effect<Option.Option<KeyFileContents>, IdentityError> =>
  Effect.tryPromise({
    try: async () => {
      let handle: fs.FileHandle
      try {
        handle = await fs.open(keyPath, "r")
      } catch (cause) {
        if (hasErrorCode(cause, "ENOENT")) return Option.none()
        throw cause
      }
      try {
        const stat = await handle.stat()
        const text = stat.size === keyFileLength ? await handle.readFile("utf8") : ""
        return Option.some({ text, mode: stat.mode & 0o777 })
      } finally {
        await handle.close()
      }
    },
    catch: (cause) => keyUnreadable(keyPath, cause)
  })

const decodeKeyFile = Effect.fnUntraced(function*(keyPath: string, contents: KeyFileContents) {
  if (!keyFileFormat.test(contents.text)) {
    return yield* new IdentityError({ reason: new KeyMalformed({ path: keyPath }) })
  }

  // Mode bits mean nothing on Windows; elsewhere a readable key is worth a warning, not a refusal.
  if (process.platform !== "win32" && (contents.mode & 0o077) !== 0) {
    yield* Effect.logWarning(
      `identity key ${keyPath} is readable by other users (mode ${contents.mode.toString(8)}); run chmod 600 on it`
    )
  }

  return Uint8Array.from(Buffer.from(contents.text.slice(0, secretKeyLength * 2), "hex"))
})

const toKeyFileText = (secretKey: Uint8Array): string => `${Buffer.from(secretKey).toString("hex")}\n`

/**
 * Returns the secret key kept in `<directory>/identity.key`, creating the file
 * with a fresh key if there is none. The directory must exist.
 *
 * Two processes starting at once for the first time agree on one key: the
 * file is created with an atomic create-if-absent, and the loser reads the
 * winner's key.
 *
 * Gotchas: creation hard-links a temporary file into place, so a file system
 * without hard links (some FUSE and FAT mounts) fails with `WriteFailed`.
 */
export const loadOrCreateSecretKey = Effect.fn("loadOrCreateSecretKey")(
  function*(directory: string): Effect.fn.Return<Uint8Array, IdentityError> {
    const keyPath = path.join(directory, keyFileName)

    const existing = yield* readKeyFile(keyPath)
    if (Option.isSome(existing)) {
      return yield* decodeKeyFile(keyPath, existing.value)
    }

    const secretKey = generateSecretKey()
    const created = yield* writeFileAtomically(keyPath, toKeyFileText(secretKey), {
      mode: keyFileMode,
      ifAbsent: true
    })
    if (created) {
      yield* Effect.logInfo(`created a new identity key in ${keyPath}`)
      return secretKey
    }

    const createdElsewhere = yield* readKeyFile(keyPath)
    if (Option.isNone(createdElsewhere)) {
      return yield* keyUnreadable(keyPath, "it was removed while being created")
    }
    return yield* decodeKeyFile(keyPath, createdElsewhere.value)
  }
)
