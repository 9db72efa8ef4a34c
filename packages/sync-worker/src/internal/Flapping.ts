/**
 * Flapping: a peer whose sessions keep replacing each other. Two devices
 * sharing one key look like this: each connects, supersedes the other, is
 * superseded in turn, forever. After `threshold` replacements within
 * `windowMs` the peer is put in a cool-down: while it lasts, a new session of
 * that peer is refused (code 7) instead of replacing the live one, so one of
 * the two devices keeps syncing and the log gets one Warn, not a stream.
 */

interface Entry {
  replacements: Array<number>
  coolDownUntil: number
}

/** What `replaced` decided. */
export type FlappingVerdict =
  | { readonly _tag: "Ok" }
  | { readonly _tag: "CoolDownStarted"; readonly replacements: number; readonly coolDownMs: number }

/** Tracks replacements per peer; every method is synchronous. */
export class Flapping {
  readonly #entries = new Map<string, Entry>()

  constructor(readonly threshold: number, readonly windowMs: number, readonly coolDownMs: number) {}

  /** True while the peer's new sessions are to be refused. */
  coolingDown(endpointId: string, now: number): boolean {
    const entry = this.#entries.get(endpointId)
    return entry !== undefined && now < entry.coolDownUntil
  }

  /** Records that a session of the peer replaced an older one. */
  replaced(endpointId: string, now: number): FlappingVerdict {
    const entry = this.#entries.get(endpointId) ?? { replacements: [], coolDownUntil: 0 }
    this.#entries.set(endpointId, entry)
    entry.replacements = entry.replacements.filter((at) => now - at < this.windowMs)
    entry.replacements.push(now)
    if (entry.replacements.length < this.threshold) return { _tag: "Ok" }
    const replacements = entry.replacements.length
    entry.replacements = []
    entry.coolDownUntil = now + this.coolDownMs
    return { _tag: "CoolDownStarted", replacements, coolDownMs: this.coolDownMs }
  }

  /** Drops peers with nothing recent, so the map does not grow with every peer ever seen. */
  prune(now: number): void {
    for (const [endpointId, entry] of this.#entries) {
      const recent = entry.replacements.some((at) => now - at < this.windowMs)
      if (!recent && now >= entry.coolDownUntil) this.#entries.delete(endpointId)
    }
  }

  get size(): number {
    return this.#entries.size
  }
}
