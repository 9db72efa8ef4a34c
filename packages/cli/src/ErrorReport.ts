/**
 * How a command that did not finish tells the person why: on stderr, one
 * line per problem, starting with `verse-sync:`. The exit code (`ExitCode.ts`)
 * tells a tool the kind of failure; the line tells a person what to do.
 *
 * - A usage error found while parsing the command line (a missing argument,
 *   an invalid flag value) is printed with a pointer to `--help`, not with the
 *   whole help text: stdout stays empty, so a `--json` consumer never reads
 *   help as output. `--help` itself prints help on stdout, as usual.
 * - A failure of the command (`CommandFailure`, or an error of a library such
 *   as an unreadable trust store) is printed as its message.
 * - A defect is a bug: its first line is printed, with the full cause after
 *   it for the bug report.
 * - An interruption (SIGINT, SIGTERM) prints nothing.
 */
import { Cause, Console, Effect, Layer, Option, Predicate } from "effect"
import { CliError, CliOutput } from "effect/cli"

const program = "verse-sync"

/**
 * The presenter of the command line's own output: help and version as
 * usual, invalid invocations as one line per error on stderr and a pointer
 * to the help of the command that was meant.
 */
export const presenterLayer: Layer.Layer<never> = CliOutput.layerPresenter({
  present: (event) => {
    if (event._tag !== "InvalidInvocation") return CliOutput.defaultPresenter.present(event)
    const commandPath = event.commandPath.join(" ")
    const problems = event.errors.map((error) => oneLine(error.message)).join("; ")
    return Console.error(`${commandPath}: ${problems} (run \`${commandPath} --help\` for its usage)`)
  }
})

/** Prints why a command failed, if it failed in a way the person has not been told about yet. */
export const report = (cause: Cause.Cause<unknown>): Effect.Effect<void> => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.void
  const error = Cause.findErrorOption(cause)
  if (Option.isSome(error)) {
    // The presenter has shown parse errors and help already.
    if (CliError.isCliError(error.value)) return Effect.void
    return Console.error(`${program}: ${oneLine(messageOf(error.value))}`)
  }
  const defect = Cause.squash(cause)
  return Effect.andThen(
    Console.error(`${program}: internal error: ${oneLine(messageOf(defect))}; please report it with what follows`),
    Console.error(Cause.pretty(cause))
  )
}

const messageOf = (error: unknown): string =>
  Predicate.hasProperty(error, "message") && Predicate.isString(error.message) ? error.message : String(error)

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()
