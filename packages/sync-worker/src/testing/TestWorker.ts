/**
 * A SyncWorker for tests: bound to loopback, with an in-memory trust store and
 * reducer, and helpers to wait for the states tests care about.
 */
import { IdentityRegistry, type TrustedPeer, type TrustRequest } from "@verse-sync/identity"
import { GraphIntentReducer } from "@verse-sync/intent"
import { Effect, Layer, type LogLevel, Option, References, Stream, SubscriptionRef } from "effect"
import { type Channel, type DiagnosticEvent, Diagnostics } from "../Diagnostics.ts"
import { SyncState, type SyncStateValue } from "../SyncState.ts"
import { SyncWorker, type SyncWorkerOptions } from "../SyncWorker.ts"

/** How to set up a test worker. */
export interface TestWorkerOptions extends SyncWorkerOptions {
  /** Logs below this level are dropped; tests read diagnostics, not logs. Default `None`. */
  readonly logLevel?: LogLevel.LogLevel | undefined
  readonly secretKey?: Uint8Array | undefined
  readonly peers?: ReadonlyArray<TrustedPeer | TrustRequest> | undefined
  readonly queueCapacity?: number | undefined
  /** A reducer other than the in-memory one (a faulty one, say); `queueCapacity` is then ignored. */
  readonly reducer?: Layer.Layer<GraphIntentReducer> | undefined
  /** A registry other than the in-memory one; `secretKey` and `peers` are then ignored. */
  readonly registry?: Layer.Layer<IdentityRegistry> | undefined
}

/**
 * The worker with every service it needs, on `127.0.0.1:0`, providing
 * SyncWorker, SyncState, Diagnostics, ControlPanel, IdentityRegistry and
 * GraphIntentReducer to the test.
 */
export const layer = (options: TestWorkerOptions = {}) => {
  const { logLevel, peers, queueCapacity, reducer, registry, secretKey, ...workerOptions } = options
  return SyncWorker.layer({ bindAddress: "127.0.0.1:0", ...workerOptions }).pipe(
    Layer.provideMerge(
      Layer.merge(
        registry ?? IdentityRegistry.layerMemory({ secretKey, peers }),
        reducer ?? GraphIntentReducer.layerMemoryWith(queueCapacity === undefined ? {} : { queueCapacity })
      )
    ),
    Layer.provide(Layer.succeed(References.MinimumLogLevel, logLevel ?? "None"))
  )
}

/** Waits until the state satisfies `predicate`, and returns that state. */
export const awaitState = (predicate: (state: SyncStateValue) => boolean) =>
  Effect.gen(function*() {
    const state = yield* SyncState
    return yield* SubscriptionRef.changes(state).pipe(
      Stream.filter(predicate),
      Stream.take(1),
      Stream.runHead,
      Effect.map((found) => found._tag === "Some" ? found.value : undefined as never)
    )
  })

/** Waits until the worker is running and returns its ticket. */
export const awaitTicket = awaitState((state) => state.status === "running" && state.ticket !== null).pipe(
  Effect.map((state) => state.ticket!)
)

/**
 * Starts collecting, from now on, the diagnostics on `channels` into the array
 * it returns (for as long as the scope lasts).
 */
export const collectDiagnostics = (channels: ReadonlyArray<Channel>) =>
  Effect.gen(function*() {
    const diagnostics = yield* Diagnostics
    const seen: Array<DiagnosticEvent> = []
    yield* diagnostics.events.pipe(
      Stream.filter((event) => channels.includes(event.channel)),
      Stream.runForEach((event) => Effect.sync(() => seen.push(event))),
      Effect.forkScoped
    )
    // Let the subscription start before the caller acts.
    yield* Effect.yieldNow
    return seen
  })

/** Starts waiting for the first diagnostic on `channel`; join the fiber to get it. */
export const firstDiagnostic = (channel: Channel) =>
  Effect.gen(function*() {
    const diagnostics = yield* Diagnostics
    const fiber = yield* diagnostics.events.pipe(
      Stream.filter((event) => event.channel === channel),
      Stream.runHead,
      Effect.map(Option.getOrThrow),
      Effect.forkScoped
    )
    yield* Effect.yieldNow
    return fiber
  })
