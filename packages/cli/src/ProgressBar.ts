/**
 * A progress bar for a person at a terminal: one line on stderr, redrawn in
 * place, `[██████░░░░░░]  52% <caption>`. It draws only when stderr is a
 * terminal, so a log file or a pipe never fills with redraws, and at most
 * ten times a second, so a fast push spends its time pushing, not drawing.
 * `finish` clears the line, leaving the terminal as it was for what is
 * printed next.
 */
import { Effect } from "effect"

/** A bar on one terminal line. */
export interface ProgressBar {
  /** Shows `done` of `total` with a caption; skipped if the last draw was under 100 ms ago. */
  readonly update: (done: number, total: number, caption: string) => Effect.Effect<void>
  /** Clears the bar's line. */
  readonly finish: Effect.Effect<void>
}

// Ten redraws a second reads as smooth to a person and costs nothing measurable.
const redrawIntervalMs = 100

const barWidth = 24

/** A bar on stderr, or one that draws nothing when stderr is not a terminal. */
export const make = (stream: NodeJS.WriteStream = process.stderr): ProgressBar => {
  if (!stream.isTTY) return { update: () => Effect.void, finish: Effect.void }
  let lastDrawAt = 0
  let drawn = false
  return {
    update: (done, total, caption) =>
      Effect.sync(() => {
        const now = Date.now()
        if (now - lastDrawAt < redrawIntervalMs) return
        lastDrawAt = now
        drawn = true
        stream.write(`\r${fit(render(done, total, caption), stream.columns)}\x1b[K`)
      }),
    finish: Effect.sync(() => {
      if (drawn) stream.write("\r\x1b[K")
    })
  }
}

const render = (done: number, total: number, caption: string): string => {
  const fraction = total === 0 ? 1 : Math.min(1, done / total)
  const filled = Math.round(fraction * barWidth)
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4)
  return `[${"█".repeat(filled)}${"░".repeat(barWidth - filled)}] ${percent} ${caption}`
}

// A line longer than the terminal wraps, and `\r` then redraws only its last
// part. A terminal that does not report its width (0) is taken as wide enough.
const fit = (line: string, columns: number | undefined): string =>
  columns === undefined || columns <= 0 || line.length < columns ? line : line.slice(0, columns - 1)
