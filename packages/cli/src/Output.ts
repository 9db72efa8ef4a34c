/**
 * What a command prints on stdout: lines for a person, or with `--json` one
 * JSON object a line for a tool (DESIGN.md "The command"). A command says
 * both forms of each thing it prints and the mode picks one, so the two never
 * drift apart.
 *
 * stdout carries results only. Errors, Effect's logs and the progress bar go
 * to stderr, so a tool reading stdout in JSON mode only ever sees JSON.
 */
import { Console, Effect } from "effect"

/** The stdout of one command run, in the mode its `--json` flag chose. */
export interface Output {
  readonly json: boolean
  /** Prints `text` in text mode, or `record` as one JSON line in JSON mode. */
  readonly print: (text: string, record: object) => Effect.Effect<void>
  /** Prints a line in text mode; nothing in JSON mode. */
  readonly text: (text: string) => Effect.Effect<void>
  /** Prints `record` as one JSON line in JSON mode; nothing in text mode. */
  readonly record: (record: object) => Effect.Effect<void>
}

const noOutput = Effect.void

/** The output of a run with `--json` (`json: true`) or without. */
export const make = (options: { readonly json: boolean }): Output => {
  const { json } = options
  return {
    json,
    print: (line, value) => json ? Console.log(JSON.stringify(value)) : Console.log(line),
    text: (line) => json ? noOutput : Console.log(line),
    record: (value) => json ? Console.log(JSON.stringify(value)) : noOutput
  }
}

/**
 * A log-style line, `HH:MM:SS LEVEL text`, with the local time of `at` (ms
 * since the epoch) and the level padded so that texts line up.
 */
export const timestamped = (at: number, level: string, text: string): string => {
  const date = new Date(at)
  const time = [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, "0"))
    .join(":")
  return `${time} ${level.toUpperCase().padEnd(5)} ${text}`
}
