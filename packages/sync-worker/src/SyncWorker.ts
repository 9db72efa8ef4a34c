/**
 * The SyncWorker: the supervised service that accepts trusted peers over iroh
 * and hands their intents to the graph's reducer.
 *
 * `SyncWorker.layer(options)` binds nothing by itself: it hands the worker to
 * the `ControlPanel`, which runs it in a scope of its own and restarts it by a
 * `Schedule` when it dies. One run of the worker:
 *
 * 1. binds the iroh endpoint with this device's key (released with the run),
 *    sets `running` and emits `sync.worker.started`;
 * 2. watches the trust store, closing a revoked peer's sessions (code 8);
 * 3. takes the stream of incoming connections and hands each to its own
 *    session fiber, refusing those past the session limit (code 5). Nothing a
 *    session does can end this loop; the stream ending (the endpoint closed
 *    under it) is a crash, and the ControlPanel restarts the worker.
 *
 * Releasing the layer is the graceful shutdown: the run is interrupted, its
 * sessions close with code 6 (a unit being applied is applied whole, or not at
 * all, and left unacked), the endpoint closes, `sync.worker.stopped` is
 * emitted and the status becomes `stopped`.
 */
import { IdentityRegistry } from "@verse-sync/identity"
import { GraphIntentReducer, shortId } from "@verse-sync/intent"
import { Context, Effect, Fiber, FiberSet, Layer, Option, Redacted, Schedule, Stream, SubscriptionRef } from "effect"
import { CloseCode, DefaultCloseReason } from "./CloseCode.ts"
import { ControlPanel, type RestartPolicy } from "./ControlPanel.ts"
import { Diagnostics } from "./Diagnostics.ts"
import { Flapping } from "./internal/Flapping.ts"
import { LiveSessions } from "./internal/LiveSessions.ts"
import { Strangers } from "./internal/Strangers.ts"
import * as Session from "./Session.ts"
import { SyncState } from "./SyncState.ts"
import * as SyncWorkerConfig from "./SyncWorkerConfig.ts"
import * as Transport from "./Transport.ts"
import * as TrustGate from "./TrustGate.ts"

/** What this implementation calls itself in Hello and Welcome. */
export const agent = "verse-sync/0.1.0"

/** Options of `SyncWorker.layer`: settings over `Config` and the defaults, and the restart policy. */
export interface SyncWorkerOptions extends Partial<SyncWorkerConfig.SyncWorkerConfig> {
  readonly restartPolicy?: RestartPolicy | undefined
}

/**
 * Counts of what the worker holds, for tests and for an operator: after every
 * peer has left, all but `strangers` and `flappingPeers` are back to zero, and
 * those two are bounded.
 */
export interface WorkerStats {
  /** Sessions registered with the worker, handshaking ones included. */
  readonly liveSessions: number
  /** Fibers serving sessions or refusing connections. */
  readonly sessionFibers: number
  readonly strangers: number
  readonly flappingPeers: number
}

/** The SyncWorker service: what an application may ask of a running worker. */
export class SyncWorker extends Context.Service<SyncWorker, {
  /** The settings in force. */
  readonly config: SyncWorkerConfig.SyncWorkerConfig
  /** The endpoint of the current run, if the worker is running. */
  readonly endpoint: Effect.Effect<Option.Option<Transport.BoundEndpoint>>
  /** What the current run holds. */
  readonly stats: Effect.Effect<WorkerStats>
}>()("verse-sync/SyncWorker") {
  /**
   * The worker alone: needs the ControlPanel, SyncState and Diagnostics of the
   * app besides the IdentityRegistry and GraphIntentReducer.
   */
  static readonly layerWorker = (options: SyncWorkerOptions = {}) =>
    Layer.effect(
      SyncWorker,
      Effect.gen(function*() {
        const { restartPolicy, ...overrides } = options
        const config = yield* SyncWorkerConfig.load(overrides)
        const panel = yield* ControlPanel
        const state = yield* SyncState
        const diagnostics = yield* Diagnostics
        const registry = yield* IdentityRegistry
        const reducer = yield* GraphIntentReducer
        let current: Transport.BoundEndpoint | undefined
        let hasRun = false
        let currentSessions: { readonly live: LiveSessions; readonly fibers: FiberSet.FiberSet } | undefined
        let sessionCounter = 0
        // Outside the run, so a restart does not forget who has been knocking.
        const gateContext = {
          registry,
          strangers: new Strangers(config.strangerReportWindowMs, config.maxStrangers),
          diagnostics,
          state
        }
        const trustGate = TrustGate.make(gateContext)
        const backpressure = { active: false }
        const flapping = new Flapping(
          config.flappingThreshold,
          config.flappingWindowMs,
          config.flappingCoolDownMs
        )

        const context = (live: LiveSessions): Session.SessionContext => ({
          config,
          selfEndpointId: registry.self.endpointId,
          agent,
          registry,
          trustGate,
          reducer,
          diagnostics,
          state,
          live,
          flapping,
          backpressure
        })

        const run = Effect.gen(function*() {
          const endpoint = yield* Transport.bind({
            secretKey: Redacted.value(registry.self.secretKey),
            bindAddress: config.bindAddress,
            alpns: [Transport.ALPN]
          }).pipe(
            Effect.mapError((error) =>
              new Transport.TransportError({
                ...error,
                message: `cannot listen on ${config.bindAddress}: ${error.message}; choose another --bind`
              })
            )
          )
          current = endpoint
          hasRun = true
          yield* Effect.addFinalizer(() => Effect.sync(() => (current = undefined)))
          const live = new LiveSessions()
          const sessions = yield* FiberSet.make()
          currentSessions = { live, fibers: sessions }
          yield* Effect.addFinalizer(() => Effect.sync(() => (currentSessions = undefined)))

          yield* SubscriptionRef.update(state, (value) => ({
            ...value,
            status: "running" as const,
            endpointId: endpoint.endpointId,
            addresses: endpoint.addresses,
            ticket: endpoint.ticket
          }))
          yield* diagnostics.emit(
            "sync.worker.started",
            `accepting as ${shortId(endpoint.endpointId)} on ${endpoint.addresses.join(", ")}`,
            { endpointId: endpoint.endpointId, ticket: endpoint.ticket, addresses: endpoint.addresses }
          )

          yield* registry.changes.pipe(
            Stream.runForEach((change) =>
              change._tag === "Revoked"
                ? Effect.forEach(
                  live.ofPeer(change.endpointId),
                  (session) => session.close(CloseCode.Revoked, DefaultCloseReason[CloseCode.Revoked]),
                  { discard: true }
                )
                : Effect.void
            ),
            Effect.forkScoped
          )

          yield* TrustGate.sweep(gateContext).pipe(
            Effect.andThen(Effect.sync(() => flapping.prune(Date.now()))),
            Effect.repeat(Schedule.spaced(config.strangerReportWindowMs)),
            Effect.forkScoped
          )

          let pendingRefusals = 0
          const admit = (incoming: Transport.IncomingConnection) => {
            if (live.size < config.maxSessions) {
              return FiberSet.run(sessions, Session.serve(incoming, `s${++sessionCounter}`, context(live)))
            }
            if (pendingRefusals >= config.maxPendingRefusals) return FiberSet.run(sessions, Transport.refuse(incoming))
            pendingRefusals += 1
            return FiberSet.run(
              sessions,
              refuseOverloaded(incoming).pipe(Effect.ensuring(Effect.sync(() => (pendingRefusals -= 1))))
            )
          }

          const refuseOverloaded = (incoming: Transport.IncomingConnection) =>
            Effect.gen(function*() {
              const connection = yield* Transport.accept(incoming).pipe(
                Effect.timeout(config.handshakeTimeoutMs)
              )
              yield* connection.close(CloseCode.Overloaded, DefaultCloseReason[CloseCode.Overloaded])
              yield* diagnostics.emit(
                "sync.worker.overloaded",
                `refused ${shortId(connection.remoteEndpointId)}: at the limit of ${config.maxSessions} sessions; ` +
                  "raise --max-sessions if this is expected",
                { peer: shortId(connection.remoteEndpointId), maxSessions: config.maxSessions }
              )
            }).pipe(Effect.ignore)

          yield* Transport.incoming(endpoint).pipe(Stream.runForEach(admit))
          return yield* Effect.die(new Error("the endpoint closed under the accept loop"))
        })

        const fiber = yield* panel.supervise({
          name: "sync worker",
          worker: run,
          policy: restartPolicy,
          // A bind failure on the first start is the person's to fix (--bind); after a restart it may be the
          // binding still holding the old endpoint's socket on a fixed port, and a later attempt may succeed.
          isFatal: (error) => error instanceof Transport.TransportError && error.operation === "bind" && !hasRun,
          onEvent: (event) =>
            SubscriptionRef.update(state, (value) => {
              switch (event._tag) {
                case "Crashed":
                  return { ...value, lastError: event.message }
                case "Restarting":
                  return { ...value, status: "restarting" as const, restarts: value.restarts + 1 }
                case "GaveUp":
                  return { ...value, status: "failed" as const }
              }
            })
        })

        yield* Effect.addFinalizer(() =>
          Effect.gen(function*() {
            yield* Fiber.interrupt(fiber)
            yield* TrustGate.sweep(gateContext, true)
            yield* SubscriptionRef.update(state, (value) => ({ ...value, status: "stopped" as const, peerCount: 0 }))
            yield* diagnostics.emit("sync.worker.stopped", "stopped", {})
          })
        )

        const stats = Effect.gen(function*() {
          const run = currentSessions
          return {
            liveSessions: run?.live.size ?? 0,
            sessionFibers: run === undefined ? 0 : yield* FiberSet.size(run.fibers),
            strangers: gateContext.strangers.size,
            flappingPeers: flapping.size
          }
        })

        return SyncWorker.of({ config, endpoint: Effect.sync(() => Option.fromUndefinedOr(current)), stats })
      })
    )

  /**
   * The worker with its own ControlPanel, SyncState and Diagnostics, which it
   * also provides to the app: needs only an IdentityRegistry and a
   * GraphIntentReducer.
   */
  static readonly layer = (options: SyncWorkerOptions = {}) =>
    SyncWorker.layerWorker(options).pipe(
      Layer.provideMerge(ControlPanel.layer),
      Layer.provideMerge(Layer.merge(SyncState.layer, Diagnostics.layer))
    )
}
