/**
 * `trust.json`: the trust store on disk, `{"version":1,"peers":[...]}`,
 * pretty-printed so a person can read it. Every write replaces the whole file
 * atomically; a file that does not decode is refused and never overwritten.
 */
import { Effect, Schema } from "effect"
import * as fs from "node:fs/promises"
import { IdentityError, TrustStoreCorrupt, TrustStoreUnreadable } from "../IdentityError.ts"
import { TrustedPeer } from "../TrustedPeer.ts"
import { describeCause, hasErrorCode } from "./describeCause.ts"
import { writeFileAtomically } from "./DurableFile.ts"
import { peerSetOf } from "./PeerSet.ts"
import type { TrustStore } from "./Registry.ts"

/** The trust store's file name inside the data directory. */
export const trustStoreFileName = "trust.json"

// Who this device trusts is nobody else's business either.
const trustStoreMode = 0o600

const TrustStoreDocument = Schema.Struct({
  version: Schema.Literal(1),
  peers: Schema.Array(TrustedPeer)
})

const decodeTrustStoreDocument = Schema.decodeUnknownEffect(Schema.fromJsonString(TrustStoreDocument))

const readText = (storePath: string): Effect.Effect<string | undefined, IdentityError> =>
  Effect.tryPromise({
    try: async () => {
      try {
        return await fs.readFile(storePath, "utf8")
      } catch (cause) {
        if (hasErrorCode(cause, "ENOENT")) return undefined
        throw cause
      }
    },
    catch: (cause) =>
      new IdentityError({ reason: new TrustStoreUnreadable({ path: storePath, detail: describeCause(cause) }) })
  })

const corrupt = (storePath: string, detail: string) =>
  new IdentityError({ reason: new TrustStoreCorrupt({ path: storePath, detail }) })

const decode = Effect.fnUntraced(function*(storePath: string, text: string) {
  const document = yield* decodeTrustStoreDocument(text).pipe(
    Effect.mapError((error) => corrupt(storePath, describeCause(error)))
  )

  // Two entries for one peer are two different answers to "may it write?"; refuse rather than guess.
  const seen = new Set<string>()
  for (const { endpointId } of document.peers) {
    if (seen.has(endpointId)) return yield* corrupt(storePath, `endpoint id ${endpointId} is listed twice`)
    seen.add(endpointId)
  }
  return peerSetOf(document.peers)
})

/**
 * The trust store kept in the file at `storePath` (`<data directory>/trust.json`).
 * A missing file is an empty store; the file is created on the first write.
 *
 * Gotchas: fields this version does not know are dropped from an entry the
 * next time the file is written.
 */
export const trustStoreFile = (storePath: string): TrustStore => ({
  load: Effect.gen(function*() {
    const text = yield* readText(storePath)
    return text === undefined ? peerSetOf([]) : yield* decode(storePath, text)
  }),
  save: (peers) =>
    writeFileAtomically(
      storePath,
      `${JSON.stringify({ version: 1, peers: Array.from(peers.values()) }, null, 2)}\n`,
      { mode: trustStoreMode, ifAbsent: false }
    ).pipe(Effect.asVoid)
})
