/**
 * Strangers: endpoints refused at the trust gate, remembered so that a
 * stranger knocking ten times a second costs one Warn per window instead of
 * ten a second, and so the person can see who is knocking (as a pending-device
 * list), bounded in size.
 *
 * The first refusal of a stranger is reported at once; later ones within the
 * window are counted and reported together when the window ends.
 */

/** What the user interface shows of one stranger. */
export interface StrangerView {
  readonly endpointId: string
  readonly attempts: number
  readonly firstAt: number
  readonly lastAt: number
}

interface Entry {
  readonly endpointId: string
  attempts: number
  firstAt: number
  lastAt: number
  /** Attempts not yet reported in a diagnostic. */
  unreported: number
  windowStartedAt: number
}

/** What to report after a refusal or a sweep. */
export interface StrangerReport {
  readonly endpointId: string
  /** Attempts in this report: 1 for a first refusal, the count of a window otherwise. */
  readonly attempts: number
  readonly first: boolean
}

/** The strangers seen recently; every method is synchronous. */
export class Strangers {
  readonly #entries = new Map<string, Entry>()

  constructor(readonly windowMs: number, readonly maxEntries: number) {}

  /** Records a refusal; returns the report to emit now, if any. */
  refused(endpointId: string, now: number): StrangerReport | undefined {
    const entry = this.#entries.get(endpointId)
    if (entry === undefined) {
      this.#evictIfFull()
      this.#entries.set(endpointId, {
        endpointId,
        attempts: 1,
        firstAt: now,
        lastAt: now,
        unreported: 0,
        windowStartedAt: now
      })
      return { endpointId, attempts: 1, first: true }
    }
    entry.attempts += 1
    entry.lastAt = now
    entry.unreported += 1
    // Re-inserting keeps the map in order of last attempt, oldest first, for eviction.
    this.#entries.delete(endpointId)
    this.#entries.set(endpointId, entry)
    return this.#dueReport(entry, now)
  }

  /** Reports every stranger whose window has ended with attempts unreported. */
  sweep(now: number): ReadonlyArray<StrangerReport> {
    const reports: Array<StrangerReport> = []
    for (const entry of this.#entries.values()) {
      const report = this.#dueReport(entry, now)
      if (report !== undefined) reports.push(report)
    }
    return reports
  }

  /** Forgets a stranger, e.g. once it has been trusted; true if it was listed. */
  forget(endpointId: string): boolean {
    return this.#entries.delete(endpointId)
  }

  /** The strangers, most recent first. */
  view(): ReadonlyArray<StrangerView> {
    return [...this.#entries.values()].reverse().map(({ attempts, endpointId, firstAt, lastAt }) => ({
      endpointId,
      attempts,
      firstAt,
      lastAt
    }))
  }

  get size(): number {
    return this.#entries.size
  }

  #dueReport(entry: Entry, now: number): StrangerReport | undefined {
    if (entry.unreported === 0 || now - entry.windowStartedAt < this.windowMs) return undefined
    const attempts = entry.unreported
    entry.unreported = 0
    entry.windowStartedAt = now
    return { endpointId: entry.endpointId, attempts, first: false }
  }

  #evictIfFull(): void {
    if (this.#entries.size < this.maxEntries) return
    const oldest = this.#entries.keys().next()
    if (oldest.done !== true) this.#entries.delete(oldest.value)
  }
}
