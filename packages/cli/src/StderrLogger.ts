/**
 * Where Effect's own logs go when the command runs: stderr, one line each,
 * `HH:MM:SS LEVEL message`, at level Info and above. stdout is the command's
 * output (results, and `serve`'s diagnostics), so no log may land there.
 *
 * The libraries log little, and what they log is for the person at the
 * terminal: a new identity key was created, the trust store is unreadable,
 * the worker crashed. `Diagnostics` also logs every event it emits, annotated
 * with the event's `channel`; `serve` prints those events itself, so this
 * logger drops them instead of printing each one twice.
 *
 * Gotchas: a cause attached to a log (a crash, a failed session) is cut to
 * its first line, like every message the worker emits; the full cause is not
 * printed anywhere.
 */
import { Cause, Layer, Logger, References } from "effect"
import { timestamped } from "./Output.ts"

const describe = (part: unknown): string => {
  if (typeof part === "string") return part
  if (part instanceof Error) return part.message
  try {
    return JSON.stringify(part) ?? String(part)
  } catch {
    return String(part)
  }
}

const firstLine = (text: string): string => text.split("\n", 1)[0]!.trim()

const stderrLogger = Logger.make(({ cause, date, fiber, logLevel, message }) => {
  if (Object.hasOwn(fiber.getRef(References.CurrentLogAnnotations), "channel")) return
  const parts = Array.isArray(message) ? [...message] : [message]
  if (cause.reasons.length > 0) parts.push(Cause.squash(cause))
  const text = parts.map((part) => firstLine(describe(part))).join(": ")
  process.stderr.write(`${timestamped(date.getTime(), logLevel, text)}\n`)
})

/** Replaces Effect's loggers with the stderr logger, at level Info and above. */
export const layer: Layer.Layer<never> = Layer.mergeAll(
  Logger.layer([stderrLogger]),
  Layer.succeed(References.MinimumLogLevel, "Info")
)
