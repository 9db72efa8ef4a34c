/**
 * How the end of a command becomes the exit code of the process (DESIGN.md
 * "The command"): 0 done, 1 usage or bad input, 2 rejected or refused by the
 * peer, 3 cannot reach it.
 *
 * A command that cannot finish fails with a `CommandFailure`: its message is
 * the one line the person reads on stderr, its exit code is the process's.
 * Anything else that fails a command (a parse error of the command line, an
 * unreadable trust store) exits 1.
 *
 * SIGINT and SIGTERM interrupt the running command (`NodeRuntime.runMain`),
 * which normally exits 130, the shell's code for "cut short". `serve` is meant
 * to be stopped that way: once it has shut down and printed its summary it
 * calls `markGracefulStop`, and the interruption then exits 0.
 */
import { Cause, Data, Exit, Runtime } from "effect"

/** The exit codes of `verse-sync`, by what they mean. */
export const ExitCode = {
  Done: 0,
  /** A usage error, or an intents file with a bad line. */
  Usage: 1,
  /** The peer refused the session or the workspace, closed it, or rejected a unit. */
  Refused: 2,
  /** The peer could not be reached, or the connection to it was lost. */
  Unreachable: 3
} as const

/** One of the exit codes a command fails with. */
export type FailureExitCode = typeof ExitCode.Usage | typeof ExitCode.Refused | typeof ExitCode.Unreachable

/**
 * A command could not do what was asked. `message` is one line for a person:
 * what happened and, where there is something to do, what to do.
 */
export class CommandFailure extends Data.TaggedError("CommandFailure")<{
  readonly exitCode: FailureExitCode
  readonly message: string
}> {
  override get [Runtime.errorExitCode](): number {
    return this.exitCode
  }
}

/** A usage error (exit 1): a bad argument, flag value or input file. */
export const usageError = (message: string): CommandFailure => new CommandFailure({ exitCode: ExitCode.Usage, message })

let stoppedGracefully = false

/**
 * Declares that the interruption the command is ending with is its normal
 * end: it has shut down and reported. Only `serve` calls it, after its
 * summary.
 */
export const markGracefulStop = (): void => {
  stoppedGracefully = true
}

/**
 * The teardown for `NodeRuntime.runMain`: Effect's default rules (0 on
 * success, 130 when interrupted, a failure's `errorExitCode`, else 1), except
 * that an interruption after `markGracefulStop` exits 0.
 */
export const teardown: Runtime.Teardown = (exit, onExit) => {
  if (stoppedGracefully && Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)) return onExit(ExitCode.Done)
  Runtime.defaultTeardown(exit, onExit)
}
