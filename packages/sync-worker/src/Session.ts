/**
 * One peer's session on the acceptor, from an incoming connection to its
 * close, through the states of DESIGN.md:
 *
 * ```
 * Handshaking ─trusted─▶ Authenticated ─Hello/Welcome─▶ Idle ⇄ Syncing
 *      │                      │                        │
 *      └──── any failure, close, timeout, revoke ──────┴─▶ Disconnected
 * ```
 *
 * The checks come in the order of their cost: the TLS handshake, then the
 * trust store (an unknown peer is closed with code 1 before any stream is
 * read), then the Hello, then each unit (schema, author, access, sequence).
 *
 * Everything that can go wrong with one peer ends here, as that session's
 * close code and diagnostic: nothing a peer does can fail the accept loop.
 * Units are handled one at a time, in arrival order, so answers go out in
 * order and the session reads the next frame only when it has answered the
 * last one; while the reducer is full, `submit` waits, reading stops, and QUIC
 * flow control slows the dialer. Nothing is dropped.
 */
import type { IdentityRegistry, TrustedPeer } from "@verse-sync/identity"
import { canWrite } from "@verse-sync/identity"
import { type GraphIntentReducer, shortId, type SyncUnit, type VersionVector } from "@verse-sync/intent"
import { Cause, Data, Effect, Exit, Option, Result, SubscriptionRef } from "effect"
import { CloseCode, DefaultCloseReason, ProtocolError } from "./CloseCode.ts"
import type { Diagnostics } from "./Diagnostics.ts"
import * as FrameStream from "./FrameStream.ts"
import type { Flapping } from "./internal/Flapping.ts"
import type { LiveSession, LiveSessions } from "./internal/LiveSessions.ts"
import * as Message from "./Message.ts"
import * as SyncState from "./SyncState.ts"
import type { SyncWorkerConfig } from "./SyncWorkerConfig.ts"
import * as Transport from "./Transport.ts"
import type { PeerRefused, TrustGate } from "./TrustGate.ts"
import { validateUnit } from "./UnitValidation.ts"

/** What a session needs from the worker that runs it. */
export interface SessionContext {
  readonly config: SyncWorkerConfig
  readonly selfEndpointId: string
  readonly agent: string
  readonly registry: IdentityRegistry["Service"]
  readonly trustGate: TrustGate
  readonly reducer: GraphIntentReducer["Service"]
  readonly diagnostics: Diagnostics["Service"]
  readonly state: SubscriptionRef.SubscriptionRef<SyncState.SyncStateValue>
  readonly live: LiveSessions
  readonly flapping: Flapping
  /** Whether a backpressure episode is under way (reported once, worker-wide). */
  readonly backpressure: { active: boolean }
}

/** A failure before the session was authenticated, to be reported as `handshake_failed`. */
class HandshakeFailed extends Data.TaggedError("HandshakeFailed")<{ readonly message: string }> {}

/**
 * Serves one incoming connection until it closes. Never fails: every outcome
 * is a close code, a diagnostic and a `Disconnected` entry in `SyncState`.
 */
export const serve = (incoming: Transport.IncomingConnection, sessionId: string, context: SessionContext) =>
  Effect.suspend(() => {
    const openedAt = Date.now()
    let helloAnswered = false
    let connection: Transport.PeerConnection | undefined
    let peer: TrustedPeer | undefined
    const liveEntry: LiveSession = {
      sessionId,
      openedAt,
      endpointId: null,
      stableId: null,
      close: (code, reason) => connection?.close(code, reason) ?? Effect.void
    }

    const publish = (phase: SyncState.SessionPhase) =>
      SubscriptionRef.update(context.state, (state) => {
        const previous = state.sessions[sessionId]
        return SyncState.putSession(state, {
          sessionId,
          endpointId: connection?.remoteEndpointId ?? null,
          shortId: connection === undefined ? null : shortId(connection.remoteEndpointId),
          displayName: peer?.displayName ?? null,
          phase,
          since: Date.now(),
          connectedAt: openedAt,
          unitsAcked: previous?.unitsAcked ?? 0,
          closeCode: null,
          closeReason: null
        })
      })

    const handshake = Effect.gen(function*() {
      yield* publish("Handshaking")
      connection = yield* Transport.accept(incoming).pipe(
        Effect.mapError((error) => new HandshakeFailed({ message: `TLS handshake failed: ${error.message}` }))
      )
      liveEntry.stableId = connection.stableId
      return connection
    })

    const session = Effect.gen(function*() {
      context.live.add(liveEntry)
      const connection = yield* handshake.pipe(
        Effect.timeoutOrElse({
          duration: context.config.handshakeTimeoutMs,
          orElse: () => Effect.fail(new HandshakeFailed({ message: "TLS handshake did not finish in time" }))
        })
      )
      const deadline = openedAt + context.config.handshakeTimeoutMs
      yield* authenticate(connection)
      yield* converse(connection, deadline)
    })

    const authenticate = (connection: Transport.PeerConnection) =>
      Effect.gen(function*() {
        const remote = connection.remoteEndpointId
        peer = yield* context.trustGate(connection)
        liveEntry.endpointId = remote
        yield* supersedeOlderSessions(remote)
        yield* publish("Authenticated")
        yield* context.registry.markSeen(remote, Date.now())
        yield* context.diagnostics.emit(
          "sync.worker.peer_connected",
          `${describePeer(peer)} connected`,
          { peer: shortId(remote), endpointId: remote, name: peer.displayName, role: peer.role }
        )
      })

    // Newest wins, unless the peer keeps replacing itself: then the live session stays and this one goes.
    const supersedeOlderSessions = (remote: string) =>
      Effect.gen(function*() {
        const sessions = context.live.ofPeer(remote).filter((other) => other.sessionId !== sessionId)
        const excess = sessions.length + 1 - context.config.maxSessionsPerPeer
        if (excess <= 0) return
        const now = Date.now()
        if (context.flapping.coolingDown(remote, now)) {
          return yield* new ProtocolError({
            closeCode: CloseCode.Superseded,
            reason: "this peer keeps replacing its own sessions; try again later"
          })
        }
        for (const older of sessions.slice(0, excess)) {
          yield* older.close(CloseCode.Superseded, DefaultCloseReason[CloseCode.Superseded])
        }
        const verdict = context.flapping.replaced(remote, now)
        if (verdict._tag === "CoolDownStarted") {
          yield* context.diagnostics.emit(
            "sync.worker.protocol_violation",
            `${shortId(remote)} replaced its own session ${verdict.replacements} times within ${
              Math.round(context.flapping.windowMs / 1000)
            } s: two devices may share one key; its new sessions are refused for ${
              Math.round(verdict.coolDownMs / 1000)
            } s. Give each device its own data directory`,
            { peer: shortId(remote), replacements: verdict.replacements, coolDownMs: verdict.coolDownMs }
          )
        }
      })

    const converse = (connection: Transport.PeerConnection, deadline: number) =>
      Effect.gen(function*() {
        const remaining = () => Math.max(0, deadline - Date.now())
        const lateHello = () =>
          Effect.fail(new ProtocolError({ closeCode: CloseCode.HandshakeTimeout, reason: "no Hello in time" }))
        const stream = yield* connection.acceptStream.pipe(
          Effect.timeoutOrElse({ duration: remaining(), orElse: lateHello })
        )
        yield* refuseExtraStreams(connection).pipe(Effect.forkScoped)
        const frames = FrameStream.make(stream, context.config, context.config.readChunkBytes)
        frames.setMaxFrameBytes(Math.min(context.config.maxHelloBytes, context.config.maxFrameBytes))

        const first = yield* frames.next.pipe(Effect.timeoutOrElse({ duration: remaining(), orElse: lateHello }))
        if (Option.isNone(first)) {
          return yield* new ProtocolError({
            closeCode: CloseCode.ProtocolViolation,
            reason: "stream ended before Hello"
          })
        }
        const hello = yield* Effect.fromResult(
          Message.decodeHello(first.value, { remoteEndpointId: connection.remoteEndpointId })
        )
        frames.setMaxFrameBytes(context.config.maxFrameBytes)
        yield* frames.send(yield* welcomeFor(hello))
        yield* reportDeniedWorkspaces(hello)
        helloAnswered = true
        yield* publish("Idle")

        yield* unitLoop(connection, frames)
      })

    // A dialer told it may not write reads that from Welcome and leaves quietly: say it here too,
    // where the person who can grant access is looking.
    const reportDeniedWorkspaces = (hello: Message.Hello) => {
      const denied = hello.workspaces.filter((workspace) => !canWrite(peer!, workspace))
      if (denied.length === 0) return Effect.void
      const remote = peer!.endpointId
      return context.diagnostics.emit(
        "sync.worker.unit_rejected",
        `${describePeer(peer!)} asked to write to ${denied.join(", ")} but may not; to allow it, run ` +
          `\`verse-sync trust add ${remote} --grant ${denied[0]}=read-write\``,
        { peer: shortId(remote), code: "AccessDenied", workspaces: denied }
      )
    }

    const welcomeFor = (hello: Message.Hello) =>
      Effect.gen(function*() {
        const versionVectors: Record<string, VersionVector> = {}
        for (const workspace of hello.workspaces) {
          if (canWrite(peer!, workspace)) versionVectors[workspace] = yield* context.reducer.versionVector(workspace)
        }
        return Message.makeWelcome({
          endpointId: context.selfEndpointId,
          agent: context.agent,
          limits: context.config,
          versionVectors
        })
      })

    const unitLoop = (connection: Transport.PeerConnection, frames: FrameStream.FrameStream) =>
      Effect.gen(function*() {
        let lastBatch = 0
        while (true) {
          const next = yield* frames.next.pipe(
            Effect.timeoutOrElse({
              duration: context.config.idleTimeoutMs,
              orElse: () => Effect.fail(new IdleTimeout())
            })
          )
          if (Option.isNone(next)) return
          yield* publish("Syncing")

          const validated = validateUnit(next.value, {
            remoteEndpointId: connection.remoteEndpointId,
            maxBatchIntents: context.config.maxBatchIntents
          })
          const batch = Result.isSuccess(validated)
            ? validated.success.batch
            : validated.failure._tag === "UnitRejected"
            ? validated.failure.batch
            : undefined
          if (batch !== undefined && batch <= lastBatch) {
            return yield* new ProtocolError({
              closeCode: CloseCode.ProtocolViolation,
              reason: `batch ${batch} does not follow batch ${lastBatch}`
            })
          }
          if (batch !== undefined) lastBatch = batch

          if (Result.isFailure(validated)) {
            if (validated.failure._tag === "ProtocolError") return yield* validated.failure
            yield* answerReject(
              frames,
              validated.failure.batch,
              validated.failure.code,
              validated.failure.message,
              null
            )
          } else {
            yield* noteBackpressure(connection.remoteEndpointId)
            yield* handleUnit(frames, validated.success)
          }
          if (!frames.hasBufferedBytes()) yield* publish("Idle")
        }
      })

    // One Warn per episode for the whole worker: the episode ends when the queue has drained.
    const noteBackpressure = (remote: string) =>
      Effect.gen(function*() {
        const pending = yield* context.reducer.pending
        if (pending === 0) context.backpressure.active = false
        if (pending < context.reducer.capacity || context.backpressure.active) return
        context.backpressure.active = true
        yield* context.diagnostics.emit(
          "sync.worker.backpressure",
          `reducer queue full (${context.reducer.capacity} units): reading from ${
            shortId(remote)
          } and other peers paused until it drains`,
          { peer: shortId(remote), capacity: context.reducer.capacity }
        )
      })

    const handleUnit = (frames: FrameStream.FrameStream, unit: SyncUnit) =>
      Effect.gen(function*() {
        // Grants can change while a session lives (`trust grant` from another process): check the current ones.
        const current = yield* context.registry.lookup(peer!.endpointId)
        if (Option.isNone(current)) {
          return yield* new ProtocolError({
            closeCode: CloseCode.Revoked,
            reason: DefaultCloseReason[CloseCode.Revoked]
          })
        }
        const trusted = current.value
        peer = trusted
        if (!canWrite(trusted, unit.workspaceId)) {
          return yield* answerReject(
            frames,
            unit.batch,
            "AccessDenied",
            `${shortId(trusted.endpointId)} may not write to workspace ${unit.workspaceId}`,
            canRead(trusted, unit.workspaceId) ? unit.workspaceId : null
          )
        }
        const submitted = yield* context.reducer.submit(unit.workspaceId, trusted.endpointId, unit.intents).pipe(
          Effect.result
        )
        if (Result.isFailure(submitted)) {
          const failure = submitted.failure
          if (failure._tag === "SequenceGapError") {
            return yield* answerReject(frames, unit.batch, "SequenceGap", failure.message, unit.workspaceId)
          }
          // No Reject code says "not stored": close, and the dialer resends what Welcome shows missing.
          yield* context.diagnostics.emit(
            "sync.worker.unit_failed",
            `${shortId(trusted.endpointId)} batch ${unit.batch} not stored: ${failure.message}; ` +
              "the session is closed and the peer will resend",
            {
              peer: shortId(trusted.endpointId),
              batch: unit.batch,
              workspace: unit.workspaceId,
              detail: failure.detail
            }
          )
          return yield* new UnitNotStored()
        }
        const { applied, duplicates, versionVector } = submitted.success
        const now = Date.now()
        yield* SubscriptionRef.update(context.state, (state) => {
          const session = state.sessions[sessionId]
          const sessions = session === undefined
            ? state.sessions
            : { ...state.sessions, [sessionId]: { ...session, unitsAcked: session.unitsAcked + 1 } }
          return {
            ...state,
            sessions,
            lastSyncAt: now,
            totals: {
              ...state.totals,
              units: state.totals.units + 1,
              intentsApplied: state.totals.intentsApplied + applied,
              duplicates: state.totals.duplicates + duplicates
            }
          }
        })
        yield* frames.send(Message.makeAck({ batch: unit.batch, applied, duplicates, versionVector }))
        yield* context.diagnostics.emit(
          "sync.worker.unit_applied",
          `${
            shortId(trusted.endpointId)
          } batch ${unit.batch} to ${unit.workspaceId}: ${applied} applied, ${duplicates} duplicates`,
          { peer: shortId(trusted.endpointId), batch: unit.batch, workspace: unit.workspaceId, applied, duplicates }
        )
      })

    const answerReject = (
      frames: FrameStream.FrameStream,
      batch: number,
      code: Message.RejectCode,
      message: string,
      readableWorkspace: string | null
    ) =>
      Effect.gen(function*() {
        const versionVector = readableWorkspace === null
          ? undefined
          : yield* context.reducer.versionVector(readableWorkspace)
        yield* frames.send(
          Message.makeReject(
            versionVector === undefined ? { batch, code, message } : { batch, code, message, versionVector }
          )
        )
        yield* SubscriptionRef.update(context.state, (state) => ({
          ...state,
          totals: { ...state.totals, rejected: state.totals.rejected + 1 }
        }))
        const remote = connection!.remoteEndpointId
        yield* context.diagnostics.emit(
          "sync.worker.unit_rejected",
          `${shortId(remote)} batch ${batch} rejected (${code}): ${message}`,
          { peer: shortId(remote), batch, code, reason: message }
        )
      })

    const finish = (
      exit: Exit.Exit<
        void,
        ProtocolError | Transport.TransportError | HandshakeFailed | IdleTimeout | PeerRefused | UnitNotStored
      >
    ) =>
      Effect.gen(function*() {
        context.live.remove(sessionId)
        const remote = connection?.remoteEndpointId
        const who = remote === undefined ? "an incoming connection" : shortId(remote)
        if (Exit.isSuccess(exit)) {
          // The dialer ended its stream between frames: the session is over.
          yield* connection?.close(CloseCode.Normal, DefaultCloseReason[CloseCode.Normal]) ?? Effect.void
        } else {
          const failure = Cause.findErrorOption(exit.cause)
          if (Option.isSome(failure)) {
            const error = failure.value
            switch (error._tag) {
              case "HandshakeFailed":
                yield* context.diagnostics.emit(
                  "sync.worker.handshake_failed",
                  `${who}: ${error.message}`,
                  remote === undefined ? {} : { peer: shortId(remote) }
                )
                break
              case "ProtocolError": {
                yield* connection!.close(error.closeCode, truncateReason(error.reason))
                // A flapping peer's refusals were reported once, when its cool-down began.
                if (error.closeCode === CloseCode.Superseded) break
                const handshaking = error.closeCode === CloseCode.HandshakeTimeout ||
                  error.closeCode === CloseCode.UnsupportedProtocol || !helloAnswered
                yield* context.diagnostics.emit(
                  handshaking ? "sync.worker.handshake_failed" : "sync.worker.protocol_violation",
                  `${who}: ${error.reason}; closed with code ${error.closeCode}`,
                  { peer: who, closeCode: error.closeCode, reason: error.reason }
                )
                break
              }
              case "IdleTimeout":
                yield* connection!.close(CloseCode.Normal, "idle")
                break
              case "UnitNotStored":
                yield* connection!.close(CloseCode.ShuttingDown, "sync log unavailable")
                break
              case "TransportError":
              case "PeerRefused":
                break
            }
          } else if (Cause.hasInterruptsOnly(exit.cause)) {
            yield* connection?.close(CloseCode.ShuttingDown, DefaultCloseReason[CloseCode.ShuttingDown]) ?? Effect.void
          } else {
            yield* connection?.close(CloseCode.ShuttingDown, "internal error") ?? Effect.void
            yield* Effect.logError(`session of ${who} failed`, exit.cause)
            yield* context.diagnostics.emit(
              "sync.worker.protocol_violation",
              `${who}: session ended by an internal error: ${String(Cause.squash(exit.cause)).split("\n", 1)[0]}`,
              { peer: who }
            )
          }
        }
        const close = connection === undefined
          ? { code: null, reason: "handshake failed" }
          : yield* connection.closed.pipe(
            Effect.timeoutOption("1 second"),
            Effect.map(Option.match({
              onNone: () => ({ code: null, reason: "no close seen" }),
              onSome: (info) => ({ code: info.code ?? null, reason: info.reason })
            }))
          )
        yield* SubscriptionRef.update(
          context.state,
          (state) => SyncState.endSession(state, sessionId, close, Date.now())
        )
        if (peer !== undefined) {
          const seconds = ((Date.now() - openedAt) / 1000).toFixed(1)
          yield* context.diagnostics.emit(
            "sync.worker.peer_disconnected",
            `${describePeer(peer)} disconnected after ${seconds} s: code ${close.code ?? "none"} (${close.reason})`,
            {
              peer: shortId(peer.endpointId),
              closeCode: close.code,
              reason: close.reason,
              durationMs: Date.now() - openedAt
            }
          )
        }
      })

    return session.pipe(
      Effect.scoped,
      Effect.onExit(finish),
      Effect.catchCause(() => Effect.void)
    )
  })

/** No frame for the idle timeout with nothing in flight. */
class IdleTimeout extends Data.TaggedError("IdleTimeout") {}

/** The reducer could not store a unit; it has been reported already. */
class UnitNotStored extends Data.TaggedError("UnitNotStored") {}

const canRead = (peer: TrustedPeer, workspace: string): boolean =>
  peer.role === "self" || peer.grants[workspace] !== undefined

const describePeer = (peer: TrustedPeer): string =>
  peer.displayName === shortId(peer.endpointId)
    ? shortId(peer.endpointId)
    : `${peer.displayName} (${shortId(peer.endpointId)})`

/** QUIC close reasons should stay short: the peer's log shows them on one line. */
const truncateReason = (reason: string): string => reason.length <= 120 ? reason : `${reason.slice(0, 117)}...`

/** Resets every stream but the first: v1 sessions have exactly one. */
const refuseExtraStreams = (connection: Transport.PeerConnection) =>
  connection.acceptStream.pipe(
    Effect.flatMap((stream) => stream.reset(CloseCode.ProtocolViolation)),
    Effect.forever,
    Effect.ignore
  )
