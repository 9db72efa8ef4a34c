/**
 * Shared fixtures for the identity tests: throwaway data directories, endpoint
 * ids of real keys, and a way to watch a registry's changes from a test.
 */
import Iroh from "@number0/iroh"
import { Context, Effect, Layer, Queue, type Scope, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { IdentityRegistry, type TrustChange } from "../src/index.ts"

/** A fresh empty directory under the system temp directory, removed with everything in it when the scope closes. */
export const temporaryDirectory: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "verse-sync-identity-"))),
  (directory) => Effect.sync(() => fs.rmSync(directory, { recursive: true, force: true }))
)

/** The endpoint id of a freshly generated key, as iroh writes it. */
export const newEndpointId = (): string => Iroh.SecretKey.generate().public().toString()

/** The endpoint id iroh derives from `secretKey`, computed independently of the package under test. */
export const endpointIdOfKey = (secretKey: Uint8Array): string =>
  Iroh.SecretKey.fromBytes(Array.from(secretKey)).public().toString()

/**
 * Starts a registry from `layer` in the current scope, the way a process
 * would, and returns its service; it stops when the scope closes.
 */
export const startRegistry = <E>(
  layer: Layer.Layer<IdentityRegistry, E>
): Effect.Effect<IdentityRegistry["Service"], E, Scope.Scope> =>
  Effect.map(Layer.build(layer), (context) => Context.get(context, IdentityRegistry))

/**
 * Starts consuming `registry.changes` in the background and returns a queue of
 * what it reports, once the subscription is in place.
 */
export const watchChanges = Effect.fnUntraced(function*(registry: IdentityRegistry["Service"]) {
  const seen = yield* Queue.unbounded<TrustChange>()
  yield* registry.changes.pipe(
    Stream.runForEach((change) => Queue.offer(seen, change)),
    Effect.forkScoped
  )
  // The stream subscribes on its first pull, which the forked fiber makes
  // without waiting on anything once it gets to run; yielding lets it run.
  yield* Effect.yieldNow
  return seen
})

/** The trust store file of a data directory, parsed. */
export const readTrustJson = (directory: string): unknown =>
  JSON.parse(fs.readFileSync(path.join(directory, "trust.json"), "utf8"))
