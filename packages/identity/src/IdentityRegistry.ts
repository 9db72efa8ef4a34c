/**
 * Who this device is, and whom it trusts: the `IdentityRegistry` service.
 *
 * The sync worker asks it about every incoming connection (`lookup`, answered
 * from memory), records who connected (`markSeen`), and watches `changes` to
 * close the session of a peer that gets revoked. The `verse-sync` command uses
 * it for `id` and `trust add|list|remove`.
 *
 * Two layers provide it: `layerFile` keeps the key and the trust store in the
 * data directory and notices changes other processes make there;
 * `layerMemory` keeps everything in memory, for tests.
 *
 * Known shortcomings of the file layer:
 * - Across processes the last writer wins. Each write re-reads `trust.json`
 *   first, so it only loses a change another process saved during that same
 *   write (milliseconds); there is no lock between processes.
 * - While `trust.json` is corrupt (a broken hand edit), the registry keeps
 *   the peers it loaded last and logs a warning on each change to the file;
 *   a revocation in the broken file takes effect once the file is fixed.
 * - Last-seen times reach the file at most once a minute, and those of the
 *   last minute are lost if the process is killed without shutting down.
 */
import {
  Clock,
  type Config,
  Context,
  Duration,
  Effect,
  Layer,
  type Option,
  type Redacted,
  Schema,
  type Stream
} from "effect"
import * as path from "node:path"
import { resolveDataDirectory } from "./DataDirectory.ts"
import type { IdentityError } from "./IdentityError.ts"
import { ensureDirectory } from "./internal/DurableFile.ts"
import { watchFile } from "./internal/FileWatch.ts"
import { loadOrCreateSecretKey } from "./internal/KeyFile.ts"
import { peerSetOf } from "./internal/PeerSet.ts"
import { makeRegistry, memoryTrustStore, trustedPeerFrom } from "./internal/Registry.ts"
import { generateSecretKey } from "./internal/SecretKey.ts"
import { trustStoreFile, trustStoreFileName } from "./internal/TrustStoreFile.ts"
import type { TrustChange } from "./TrustChange.ts"
import { TrustedPeer, TrustRequest } from "./TrustedPeer.ts"

// Bounds trust.json rewrites caused by connections to one a minute, however
// many peers connect; a last-seen time is for people, it need not be exact.
const lastSeenFlushInterval = Duration.minutes(1)

/**
 * This device's identity and its trust store, as a service: who this device
 * is (`self`), whom it trusts (`lookup`, `list`), changing that (`trust`,
 * `revoke`), and hearing about changes (`changes`).
 *
 * Gotchas: `changes` subscribes when the stream starts running, so a change
 * made between a `lookup` and the start of the stream is not reported. Run
 * one long-lived consumer started before connections are accepted, or look
 * the peer up again once the stream is running.
 */
export class IdentityRegistry extends Context.Service<IdentityRegistry, {
  /**
   * This device: its endpoint id, and its 32-byte ed25519 secret key, redacted
   * so it never lands in a log (`Redacted.value` to use it).
   */
  readonly self: {
    readonly endpointId: string
    readonly secretKey: Redacted.Redacted<Uint8Array>
  }
  /** The trusted peer with this endpoint id, if any. Answered from memory: meant for every connection. */
  lookup(endpointId: string): Effect.Effect<Option.Option<TrustedPeer>>
  /** Trusts a peer, or updates a trusted one keeping its `addedAt` (see `TrustRequest` for defaults). */
  trust(request: TrustRequest): Effect.Effect<TrustedPeer, IdentityError>
  /** Stops trusting a peer; `true` if it was trusted. */
  revoke(endpointId: string): Effect.Effect<boolean, IdentityError>
  /** Every trusted peer, oldest first (unless trust.json was reordered by hand). */
  readonly list: Effect.Effect<ReadonlyArray<TrustedPeer>>
  /**
   * Records that a trusted peer connected at `at` (Millis); unknown peers and
   * earlier times are ignored. Shows in `lookup` at once; the file layer
   * writes it to `trust.json` at most once a minute.
   */
  markSeen(endpointId: string, at: number): Effect.Effect<void>
  /**
   * Every trust change made after the stream starts running; for the file
   * layer including changes other processes write to `trust.json`, reported
   * within a second.
   */
  readonly changes: Stream.Stream<TrustChange>
}>()("verse-sync/IdentityRegistry") {
  /**
   * The registry kept in the data directory (`dataDirectory`, else the
   * default of `resolveDataDirectory`), created with mode 0700 if missing.
   * The key is `identity.key`, created on first use; the trust store is
   * `trust.json`, written atomically. A malformed key or a corrupt trust store
   * fails the layer with an `IdentityError` naming the file, which is left
   * untouched. Pending last-seen times are saved when the layer is released.
   */
  static readonly layerFile = (
    options?: { readonly dataDirectory?: string | undefined }
  ): Layer.Layer<IdentityRegistry, IdentityError | Config.ConfigError> =>
    Layer.effect(
      IdentityRegistry,
      Effect.gen(function*() {
        const directory = yield* resolveDataDirectory(options)
        yield* ensureDirectory(directory)
        const secretKey = yield* loadOrCreateSecretKey(directory)
        const storePath = path.join(directory, trustStoreFileName)
        const registry = yield* makeRegistry(secretKey, trustStoreFile(storePath))

        yield* watchFile(
          storePath,
          registry.refresh.pipe(
            Effect.catch((error) => Effect.logWarning(`${error.message}; keeping the trusted peers loaded before`))
          )
        )

        const flushLastSeen = registry.flushLastSeen.pipe(
          Effect.catch((error) => Effect.logWarning(`last-seen times not saved: ${error.message}`))
        )
        yield* Effect.sleep(lastSeenFlushInterval).pipe(
          Effect.andThen(flushLastSeen),
          Effect.forever,
          Effect.forkScoped
        )
        yield* Effect.addFinalizer(() => flushLastSeen)

        return IdentityRegistry.of(registry.service)
      })
    )

  /**
   * A registry that lives in memory only, for tests: `secretKey` (32 bytes)
   * or a fresh one, and `peers` trusted from the start, each either a full
   * `TrustedPeer` or a `TrustRequest` filled in with the usual defaults.
   * Invalid options are a bug in the test and die.
   */
  static readonly layerMemory = (
    options?: {
      readonly secretKey?: Uint8Array | undefined
      readonly peers?: ReadonlyArray<TrustedPeer | TrustRequest> | undefined
    }
  ): Layer.Layer<IdentityRegistry> =>
    Layer.effect(
      IdentityRegistry,
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const peers = (options?.peers ?? []).map((peer) =>
          Schema.is(TrustedPeer)(peer)
            ? peer
            : trustedPeerFrom(Schema.decodeUnknownSync(TrustRequest)(peer), undefined, now)
        )
        const store = yield* memoryTrustStore(peerSetOf(peers))
        const registry = yield* makeRegistry(options?.secretKey ?? generateSecretKey(), store)
        return IdentityRegistry.of(registry.service)
      }).pipe(Effect.orDie)
    )
}
