/**
 * The worker's live sessions, for the decisions that look across them: the
 * session limit, the per-peer limit (newest wins), and closing a revoked
 * peer's sessions. Sessions are identified by the worker's session id and,
 * once authenticated, carry the connection's `stableId`, so a late close of a
 * superseded connection can never be mistaken for the peer leaving.
 */
import type { Effect } from "effect"

/** What the worker knows of one live session. */
export interface LiveSession {
  readonly sessionId: string
  readonly openedAt: number
  endpointId: string | null
  stableId: number | null
  /** Closes the session's connection with a code and reason. */
  close: (code: number, reason: string) => Effect.Effect<void>
}

/** A registry of live sessions; all methods are synchronous. */
export class LiveSessions {
  readonly #sessions = new Map<string, LiveSession>()

  get size(): number {
    return this.#sessions.size
  }

  add(session: LiveSession): void {
    this.#sessions.set(session.sessionId, session)
  }

  remove(sessionId: string): void {
    this.#sessions.delete(sessionId)
  }

  /** The authenticated sessions of a peer, oldest first. */
  ofPeer(endpointId: string): ReadonlyArray<LiveSession> {
    const sessions: Array<LiveSession> = []
    for (const session of this.#sessions.values()) {
      if (session.endpointId === endpointId) sessions.push(session)
    }
    return sessions.sort((a, b) => a.openedAt - b.openedAt)
  }
}
