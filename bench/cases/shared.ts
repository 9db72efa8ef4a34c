/**
 * What several cases do the same way: start a fresh node and wait for it,
 * check that a push arrived whole, the timeouts of their commands, and units.
 */
import type { RoleEvent, RoleProcess } from "../RoleProcess.ts"

/** How long a role may take to start: tsx compiles on load, and some roles read the whole history first. */
export const secondsToStart = 60_000

/** Timeouts of commands, in ms: generous, so only a wedged role trips them. */
export const timeoutFor = {
  command: 15_000,
  push: 120_000
} as const

/** Bytes to megabytes (10^6). */
export const megabytes = (bytes: number): number => bytes / 1_000_000

/**
 * Starts a fresh worker on the acceptor role, trusting `trusted`; returns its
 * ticket, and `startMs`, the time from building the worker to `running`.
 * `durable` gives it the durable reducer on a fresh temporary `sync.db`
 * instead of the in-memory one.
 */
export const startNode = async (
  acceptor: RoleProcess,
  trusted: ReadonlyArray<string>,
  options: { readonly bindAddress?: string | undefined; readonly durable?: boolean | undefined } = {}
): Promise<{ readonly ticket: string; readonly startMs: number }> => {
  const ready = await acceptor.ask("start", "ready", timeoutFor.command, { trusted, ...options })
  return { ticket: ready["ticket"] as string, startMs: ready["startMs"] as number }
}

/** Fails unless a push was answered in full and the node applied every intent of it. */
export const ingestedWhole = async (acceptor: RoleProcess, pushed: RoleEvent): Promise<void> => {
  const intents = pushed["intents"] as number
  if (pushed["applied"] !== intents || pushed["rejected"] !== 0) {
    throw new Error(`push applied ${pushed["applied"]} of ${intents} intents, ${pushed["rejected"]} units rejected`)
  }
  await acceptor.ask("awaitApplied", "applied", timeoutFor.command, { intents })
}

/** Waits `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
