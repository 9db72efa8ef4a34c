/**
 * What a case is given and what it gives back. A case starts its roles
 * through `Bench.start` (so they are stopped after it, and profiled when the
 * run profiles), runs its rounds, and returns its figures: each a spread over
 * the rounds and, for every speed, a ratio against a baseline measured in
 * the same rounds.
 */
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { type ProfileSummary, summarize, type Window } from "./CpuProfile.ts"
import { RoleProcess } from "./RoleProcess.ts"
import { monotonicMicros } from "./roles/Role.ts"
import { type Spread, spread } from "./Stats.ts"

/** A figure of a case. */
export interface Figure {
  readonly name: string
  readonly unit: string
  /** Absent for a figure that could not be measured yet; `status` says why. */
  readonly value?: Spread | undefined
  readonly status?: string | undefined
  /** The figure over its baseline, round by round: how many times the baseline it is. */
  readonly ratio?: { readonly against: string; readonly value: Spread } | undefined
  /** The absolute detail worth keeping beside the figure (bytes moved, counts). */
  readonly detail?: string | undefined
}

/** A case's outcome. */
export interface CaseResult {
  readonly id: string
  readonly title: string
  readonly figures: ReadonlyArray<Figure>
  /** What a reader needs to know to read the figures right. */
  readonly notes: ReadonlyArray<string>
  readonly seconds: number
  /**
   * With `--profile`: where each role's CPU went during each kind of measured
   * span (`during`), for the roles that were busy then.
   */
  readonly profiles?: ReadonlyArray<RoleProfile> | undefined
}

/** One role's profile over one kind of measured span. */
export interface RoleProfile {
  readonly role: string
  readonly during: string
  readonly summary: ProfileSummary
}

/** What a case runs with. */
export interface Bench {
  readonly rounds: number
  /** Starts a role for this case; `label` names it in profiles (the role's name by default). */
  readonly start: (role: string, options: object, label?: string) => RoleProcess
  /** Runs `measure` and marks its span, named `during`, as one the profiles look at. */
  readonly measured: <A>(during: string, measure: () => Promise<A>) => Promise<A>
}

/** A case: its id (for `npm run bench -- <id>`), its title, and how to run it. */
export interface Case {
  readonly id: string
  readonly title: string
  readonly run: (bench: Bench) => Promise<Omit<CaseResult, "id" | "title" | "seconds" | "profiles">>
}

/** Runs a case with `rounds`, profiling its roles into `profileDirectory` when given. */
export const runCase = async (
  definition: Case,
  options: { readonly rounds: number; readonly profileDirectory?: string | undefined }
): Promise<CaseResult> => {
  const started: Array<{ readonly label: string; readonly role: RoleProcess; readonly directory?: string }> = []
  const windows = new Map<string, Array<Window>>()
  const startedAt = Date.now()
  const bench: Bench = {
    rounds: options.rounds,
    start: (role, roleOptions, label = role) => {
      const directory = options.profileDirectory === undefined
        ? undefined
        : join(options.profileDirectory, definition.id, label)
      const process = RoleProcess.start(role, roleOptions, { profileDirectory: directory })
      started.push(directory === undefined ? { label, role: process } : { label, role: process, directory })
      return process
    },
    measured: async (during, measure) => {
      const startUs = monotonicMicros()
      try {
        return await measure()
      } finally {
        windows.set(during, [...(windows.get(during) ?? []), { startUs, endUs: monotonicMicros() }])
      }
    }
  }
  let result: Awaited<ReturnType<Case["run"]>>
  try {
    result = await definition.run(bench)
  } finally {
    // Roles write their profiles as they exit, so they are read only after this.
    await Promise.all(started.map(({ role }) => role.stop()))
  }
  const profiles = options.profileDirectory === undefined ? undefined : started.flatMap(({ label, directory }) => {
    const profile = directory === undefined
      ? undefined
      : readdirSync(directory).find((file) => file.endsWith(".cpuprofile"))
    if (directory === undefined || profile === undefined) return []
    return [...windows].flatMap(([during, spans]): Array<RoleProfile> => {
      const summary = summarize(join(directory, profile), {
        windows: spans,
        sourceMapsPath: join(directory, "source-maps.json")
      })
      // A role that sat this span out has nothing to say about it.
      return summary.idleShare > idleEnough ? [] : [{ role: label, during, summary }]
    })
  })
  return {
    id: definition.id,
    title: definition.title,
    ...result,
    seconds: (Date.now() - startedAt) / 1000,
    ...(profiles === undefined ? {} : { profiles })
  }
}

// A role idle for more than this share of a span took no real part in it.
const idleEnough = 0.9

/** A measured figure. */
export const figure = (
  name: string,
  unit: string,
  runs: ReadonlyArray<number>,
  more: Omit<Figure, "name" | "unit" | "value"> = {}
): Figure => ({ name, unit, value: spread(runs), ...more })

/** The ratio of a figure to its baseline, round by round. */
export const ratio = (
  against: string,
  runs: ReadonlyArray<number>,
  baselines: ReadonlyArray<number>
): NonNullable<Figure["ratio"]> => ({
  against,
  value: spread(runs.map((run, index) => run / baselines[index]!))
})
