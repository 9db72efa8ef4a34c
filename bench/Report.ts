/**
 * The run's figures, as a Markdown table for people and as JSON for tools
 * (and for the next run to be compared with), with the machine they came
 * from.
 */
import { readFileSync } from "node:fs"
import { cpus } from "node:os"
import type { CaseResult, Figure } from "./Bench.ts"
import type { ProfileSummary } from "./CpuProfile.ts"

/** The machine a run happened on. */
export interface Machine {
  readonly cores: number
  readonly cpuModel: string
  readonly node: string
  readonly platform: string
}

/** This machine: core count, CPU model (from `/proc/cpuinfo` where there is one), Node's version. */
export const thisMachine = (): Machine => {
  let cpuModel = cpus()[0]?.model ?? "unknown"
  try {
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpuModel
  } catch {
    // Not Linux: the os module's model will do.
  }
  return { cores: cpus().length, cpuModel, node: process.version, platform: `${process.platform} ${process.arch}` }
}

/** A whole run. */
export interface Report {
  readonly generatedAt: string
  readonly machine: Machine
  readonly rounds: number
  readonly seconds: number
  readonly cases: ReadonlyArray<CaseResult>
}

const format = (value: number): string => {
  const magnitude = Math.abs(value)
  if (magnitude >= 10_000) return Math.round(value).toLocaleString("en-US")
  if (magnitude >= 100) return value.toFixed(0)
  if (magnitude >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

const percent = (fraction: number): string => `±${(fraction * 100).toFixed(0)}%`

const row = (figure: Figure): string => {
  if (figure.value === undefined) {
    return `| ${figure.name} | ${figure.status ?? "not measured"} | | | | | |`
  }
  const { min, median, max, noise } = figure.value
  const ratio = figure.ratio === undefined
    ? ""
    : `${format(figure.ratio.value.median)}× ${figure.ratio.against} (${percent(figure.ratio.value.noise)})`
  return `| ${figure.name} | **${format(median)}** ${figure.unit} | ${format(min)} | ${format(max)} | ${
    percent(noise)
  } | ${ratio} | ${figure.detail ?? ""} |`
}

/** The figures as one Markdown table, a section row per case. */
export const markdownTable = (report: Report): string =>
  [
    "| figure | median | min | max | noise | ratio (median, noise) | detail |",
    "| --- | ---: | ---: | ---: | ---: | --- | --- |",
    ...report.cases.flatMap((result) => [
      `| **${result.title}** (${result.seconds.toFixed(0)} s) | | | | | | |`,
      ...result.figures.map(row)
    ])
  ].join("\n")

/** The notes of every case, as a list. */
export const markdownNotes = (report: Report): string =>
  report.cases.flatMap((result) => result.notes.map((note) => `- ${result.title}: ${note}`)).join("\n")

/** A profile summary as a short table: its top frames and where the code lives. */
export const markdownProfile = (role: string, summary: ProfileSummary, frames = 8): string =>
  [
    `${role}: ${(summary.totalMs / 1000).toFixed(1)} s sampled, idle ${(summary.idleShare * 100).toFixed(0)}%, ` +
    `GC ${(summary.gcShare * 100).toFixed(1)}%`,
    "",
    "| self time | frame |",
    "| ---: | --- |",
    ...summary.top.slice(0, frames).map((frame) => `| ${(frame.share * 100).toFixed(1)}% | \`${frame.frame}\` |`)
  ].join("\n")
