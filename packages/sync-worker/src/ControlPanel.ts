/**
 * ControlPanel: owns the long-running workers of the app.
 *
 * `supervise` forks a worker into the panel's scope and restarts it by a
 * `Schedule` when it dies: exponential backoff from `initialDelay` doubling to
 * `maxDelay`, with jitter, for as long as no more than `maxRestarts` restarts
 * fall within `window`. Past that budget the worker is left `failed`. Each
 * crash, restart and the giving up is a diagnostic and a status change.
 *
 * A worker is expected to run until interrupted. It "dies" when it fails,
 * dies of a defect, or simply returns: for a server, an accept loop that ends
 * by itself is as much a crash as an exception. Interruption (the app
 * shutting down) is not a crash.
 *
 * Each attempt runs in a scope of its own, closed before the next attempt
 * starts, so whatever the worker acquired (an endpoint, its sessions) is
 * released between restarts.
 *
 * Gotchas: the backoff delay keeps growing across crashes for the lifetime of
 * the supervision (the schedule is not reset by a long stable run); only the
 * restart budget looks at a sliding window.
 */
import { Cause, Context, Data, Duration, Effect, Fiber, Layer, Schedule, Scope } from "effect"
import { Diagnostics } from "./Diagnostics.ts"
import { firstLine } from "./internal/iroh.ts"

/** When and how often a dead worker is restarted. */
export interface RestartPolicy {
  readonly initialDelay: Duration.Input
  readonly maxDelay: Duration.Input
  /** More restarts than this within `window` and the worker is left failed. */
  readonly maxRestarts: number
  readonly window: Duration.Input
}

/** DESIGN.md: 100 ms doubling to 30 s, with jitter; more than 5 restarts in 60 s gives up. */
export const defaultRestartPolicy: RestartPolicy = {
  initialDelay: "100 millis",
  maxDelay: "30 seconds",
  maxRestarts: 5,
  window: "60 seconds"
}

/** What a supervised worker goes through, for its owner to mirror in its status. */
export type SupervisionEvent =
  | { readonly _tag: "Crashed"; readonly message: string }
  | { readonly _tag: "Restarting"; readonly attempt: number; readonly delayMs: number }
  | { readonly _tag: "GaveUp"; readonly restarts: number }

/** A worker's death, as a value: its first line and the full cause for logs. */
export class WorkerCrash extends Data.TaggedError("WorkerCrash")<{
  readonly worker: string
  readonly message: string
  /** A restart cannot help (the worker said so through `isFatal`): give up at once. */
  readonly fatal: boolean
}> {}

/** How to supervise one worker. */
export interface SuperviseOptions {
  readonly name: string
  /** Runs until interrupted; ending in any other way is a crash. */
  readonly worker: Effect.Effect<unknown, unknown, Scope.Scope>
  readonly policy?: RestartPolicy | undefined
  readonly onEvent?: ((event: SupervisionEvent) => Effect.Effect<void>) | undefined
  /**
   * Failures a restart cannot mend (a bind to an address in use, say): the
   * worker is left failed at once, with one clear message, instead of being
   * restarted into the same wall five times.
   */
  readonly isFatal?: ((error: unknown) => boolean) | undefined
}

/** The ControlPanel service. */
export class ControlPanel extends Context.Service<ControlPanel, {
  /** Starts supervising a worker; the returned fiber ends only when supervision does. */
  readonly supervise: (options: SuperviseOptions) => Effect.Effect<Fiber.Fiber<void>>
}>()("verse-sync/ControlPanel") {
  /** A panel whose workers live as long as the layer. */
  static readonly layer = Layer.effect(
    ControlPanel,
    Effect.gen(function*() {
      const scope = yield* Effect.scope
      const diagnostics = yield* Diagnostics
      const supervise = (options: SuperviseOptions) => superviseWorker(options, diagnostics).pipe(Effect.forkIn(scope))
      return ControlPanel.of({ supervise })
    })
  )
}

const crashMessage = (cause: Cause.Cause<unknown>): string => firstLine(Cause.squash(cause))

const superviseWorker = (options: SuperviseOptions, diagnostics: Diagnostics["Service"]): Effect.Effect<void> =>
  Effect.gen(function*() {
    const policy = options.policy ?? defaultRestartPolicy
    const onEvent = options.onEvent ?? (() => Effect.void)
    const windowMs = Duration.toMillis(Duration.fromInputUnsafe(policy.window))
    const restartTimes: Array<number> = []

    const withinBudget = Effect.sync(() => {
      const now = Date.now()
      while (restartTimes.length > 0 && now - restartTimes[0]! > windowMs) restartTimes.shift()
      return restartTimes.length < policy.maxRestarts
    })

    const attempt = Effect.scoped(options.worker).pipe(
      Effect.matchCauseEffect({
        onSuccess: () => crashed(Cause.die(new Error(`${options.name} stopped on its own`))),
        onFailure: (cause) => Cause.hasInterruptsOnly(cause) ? Effect.interrupt : crashed(cause)
      })
    )

    const crashed = (cause: Cause.Cause<unknown>) => {
      const message = crashMessage(cause)
      return Effect.gen(function*() {
        yield* Effect.logError(`${options.name} crashed`, cause)
        yield* diagnostics.emit("sync.worker.crashed", `${options.name} crashed: ${message}`, {
          worker: options.name,
          cause: message
        })
        yield* onEvent({ _tag: "Crashed", message })
        const failure = Cause.findErrorOption(cause)
        const fatal = failure._tag === "Some" && (options.isFatal?.(failure.value) ?? false)
        return yield* new WorkerCrash({ worker: options.name, message, fatal })
      })
    }

    const schedule = Schedule.min([Schedule.exponential(policy.initialDelay), Schedule.spaced(policy.maxDelay)]).pipe(
      Schedule.jittered,
      Schedule.setInputType<WorkerCrash>(),
      Schedule.while(({ input }) => input.fatal ? Effect.succeed(false) : withinBudget),
      Schedule.tap(({ attempt, duration }) =>
        Effect.gen(function*() {
          restartTimes.push(Date.now())
          const delayMs = Math.round(Duration.toMillis(duration))
          yield* diagnostics.emit(
            "sync.worker.restarting",
            `${options.name} restarting in ${delayMs} ms (attempt ${attempt})`,
            { worker: options.name, attempt, delayMs }
          )
          yield* onEvent({ _tag: "Restarting", attempt, delayMs })
        })
      )
    )

    yield* attempt.pipe(
      Effect.retry(schedule),
      Effect.catchTag("WorkerCrash", (crash) =>
        Effect.gen(function*() {
          const why = crash.fatal
            ? "a restart cannot mend this"
            : `${restartTimes.length} restarts within ${Duration.format(Duration.fromInputUnsafe(policy.window))}`
          yield* diagnostics.emit(
            "sync.worker.gave_up",
            `${options.name} gave up (${why}): ${crash.message}; fix the cause and start it again`,
            { worker: options.name, restarts: restartTimes.length, cause: crash.message }
          )
          yield* onEvent({ _tag: "GaveUp", restarts: restartTimes.length })
        }))
    )
  })
