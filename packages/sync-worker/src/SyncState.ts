/**
 * SyncState: what the user interface shows about sync, as a
 * `SubscriptionRef`. Subscribers to `SubscriptionRef.changes` get the current
 * state, then every change in order.
 *
 * The state lives outside the worker's supervised scope, so it survives
 * restarts: `restarts`, the totals and the recent peers carry over.
 *
 * Sessions are keyed by a session id the worker assigns when a connection
 * arrives (the remote endpoint id is not known until its handshake ends).
 * Ended sessions move to `recentSessions`, newest first, bounded by
 * `maxRecentSessions`.
 */
import { Context, Layer, SubscriptionRef } from "effect"
import type { StrangerView } from "./internal/Strangers.ts"

export type { StrangerView }

/** The worker's lifecycle. */
export type WorkerStatus = "starting" | "running" | "restarting" | "failed" | "stopped"

/** A session's place in the state machine of DESIGN.md. */
export type SessionPhase = "Handshaking" | "Authenticated" | "Idle" | "Syncing" | "Disconnected"

/** One session, as the user interface sees it. */
export interface SessionView {
  readonly sessionId: string
  /** Unknown while Handshaking. */
  readonly endpointId: string | null
  readonly shortId: string | null
  readonly displayName: string | null
  readonly phase: SessionPhase
  /** When the session entered its phase (ms since the epoch). */
  readonly since: number
  readonly connectedAt: number
  readonly unitsAcked: number
  readonly closeCode: number | null
  readonly closeReason: string | null
}

/** Running totals since the state was created. */
export interface SyncTotals {
  readonly units: number
  readonly intentsApplied: number
  readonly duplicates: number
  readonly rejected: number
}

/** The whole state. */
export interface SyncStateValue {
  readonly status: WorkerStatus
  readonly endpointId: string | null
  readonly addresses: ReadonlyArray<string>
  readonly ticket: string | null
  /** Distinct trusted peers with a live session. */
  readonly peerCount: number
  readonly sessions: Readonly<Record<string, SessionView>>
  readonly recentSessions: ReadonlyArray<SessionView>
  /** Endpoints refused at the trust gate lately, most recent first, bounded. */
  readonly strangers: ReadonlyArray<StrangerView>
  readonly lastSyncAt: number | null
  readonly lastError: string | null
  readonly restarts: number
  readonly totals: SyncTotals
}

/** How many ended sessions the state keeps for the user interface. */
export const maxRecentSessions = 32

/** The state before the worker has started. */
export const initial: SyncStateValue = {
  status: "starting",
  endpointId: null,
  addresses: [],
  ticket: null,
  peerCount: 0,
  sessions: {},
  recentSessions: [],
  strangers: [],
  lastSyncAt: null,
  lastError: null,
  restarts: 0,
  totals: { units: 0, intentsApplied: 0, duplicates: 0, rejected: 0 }
}

/** The SyncState service: a `SubscriptionRef` of `SyncStateValue`. */
export class SyncState extends Context.Service<SyncState, SubscriptionRef.SubscriptionRef<SyncStateValue>>()(
  "verse-sync/SyncState"
) {
  static readonly layer = Layer.effect(SyncState, SubscriptionRef.make(initial))
}

const countPeers = (sessions: Readonly<Record<string, SessionView>>): number => {
  const live = new Set<string>()
  for (const session of Object.values(sessions)) {
    if (session.endpointId !== null && session.phase !== "Handshaking") live.add(session.endpointId)
  }
  return live.size
}

/** Adds or changes a session, keeping `peerCount` true. */
export const putSession = (state: SyncStateValue, session: SessionView): SyncStateValue => {
  const sessions = { ...state.sessions, [session.sessionId]: session }
  return { ...state, sessions, peerCount: countPeers(sessions) }
}

/** Moves a session to the recent list as Disconnected. */
export const endSession = (
  state: SyncStateValue,
  sessionId: string,
  close: { readonly code: number | null; readonly reason: string | null },
  at: number
): SyncStateValue => {
  const session = state.sessions[sessionId]
  if (session === undefined) return state
  const { [sessionId]: _ended, ...sessions } = state.sessions
  const ended: SessionView = {
    ...session,
    phase: "Disconnected",
    since: at,
    closeCode: close.code,
    closeReason: close.reason
  }
  return {
    ...state,
    sessions,
    peerCount: countPeers(sessions),
    recentSessions: [ended, ...state.recentSessions].slice(0, maxRecentSessions)
  }
}
