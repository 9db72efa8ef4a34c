/**
 * `npm run bench`: runs the benchmark's cases, prints their figures as a
 * Markdown table on stdout, and writes the same figures as JSON to
 * `bench/results/latest.json` (progress goes to stderr).
 *
 *     npm run bench                          every case, 3 rounds each
 *     npm run bench -- throughput latency    only these cases (written to bench/results/partial.json)
 *     npm run bench -- --rounds 5            more rounds
 *     npm run bench -- --profile             one round of each case with every role under
 *                                            `node --cpu-prof`; the top frames of each role
 *                                            over the measured spans go to stdout and to
 *                                            bench/results/profile.json
 *
 * Everything runs on this machine: every endpoint binds 127.0.0.1 with relays
 * and discovery off, the WebSocket server of the automerge case listens on
 * 127.0.0.1, and every load stops by itself. Roles are child processes,
 * killed when the run ends however it ends.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Case, type CaseResult, runCase } from "./Bench.ts"
import { automerge } from "./cases/automerge.ts"
import { flood } from "./cases/flood.ts"
import { latency } from "./cases/latency.ts"
import { manyPeers } from "./cases/manyPeers.ts"
import { restart } from "./cases/restart.ts"
import { throughput } from "./cases/throughput.ts"
import { markdownNotes, markdownProfile, markdownTable, type Report, thisMachine } from "./Report.ts"

const cases: ReadonlyArray<Case> = [throughput, latency, manyPeers, flood, restart, automerge]

const resultsDirectory = new URL("./results/", import.meta.url).pathname

const parseArguments = (argv: ReadonlyArray<string>) => {
  const selected: Array<string> = []
  let rounds: number | undefined
  let profile = false
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!
    if (argument === "--profile") profile = true
    else if (argument === "--rounds") rounds = Number(argv[++index])
    else selected.push(argument)
  }
  const unknown = selected.filter((id) => !cases.some((known) => known.id === id))
  if (unknown.length > 0 || (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1))) {
    process.stderr.write(
      `usage: npm run bench -- [${cases.map((known) => known.id).join(" | ")} ...] [--rounds N] [--profile]\n`
    )
    process.exit(1)
  }
  return { selected, rounds: rounds ?? (profile ? 1 : 3), profile }
}

const { selected, rounds, profile } = parseArguments(process.argv.slice(2))
const chosen = selected.length === 0 ? cases : cases.filter((known) => selected.includes(known.id))

const profileDirectory = profile ? join(tmpdir(), "verse-sync-bench", "profiles") : undefined
if (profileDirectory !== undefined) rmSync(profileDirectory, { recursive: true, force: true })

const startedAt = Date.now()
const results: Array<CaseResult> = []
for (const definition of chosen) {
  process.stderr.write(`${definition.title}: ${rounds} round${rounds === 1 ? "" : "s"}…\n`)
  const result = await runCase(definition, { rounds, profileDirectory })
  process.stderr.write(`${definition.title}: done in ${result.seconds.toFixed(0)} s\n`)
  results.push(result)
}

const report: Report = {
  generatedAt: new Date().toISOString(),
  machine: thisMachine(),
  rounds,
  seconds: Math.round((Date.now() - startedAt) / 1000),
  cases: results
}

const { cores, cpuModel, node, platform } = report.machine
const lines = [
  `verse-sync benchmark, ${report.generatedAt}: ${cores} cores (${cpuModel}), Node ${node}, ${platform}; ` +
  `${rounds} round${rounds === 1 ? "" : "s"} a case, ${report.seconds} s in all${profile ? ", profiled" : ""}`,
  "",
  markdownTable(report),
  "",
  markdownNotes(report)
]
if (profile) {
  for (const result of results) {
    for (const { role, during, summary } of result.profiles ?? []) {
      lines.push("", `#### ${result.title}, ${during} — ${markdownProfile(role, summary)}`)
    }
  }
}
process.stdout.write(lines.join("\n") + "\n")

mkdirSync(resultsDirectory, { recursive: true })
const fileName = profile ? "profile.json" : selected.length === 0 ? "latest.json" : "partial.json"
writeFileSync(join(resultsDirectory, fileName), JSON.stringify(report, null, 2) + "\n")
process.stderr.write(`figures written to bench/results/${fileName}\n`)
