/**
 * Shared fixtures for the command's tests: the real `verse-sync` run as a
 * child process (`node packages/cli/bin/verse-sync.js …`), throwaway data
 * directories, and a `serve` running in the background that a test can read
 * and stop.
 *
 * Every child gets an environment without `VERSE_SYNC_…` variables and with
 * `VERSE_SYNC_HOME` pointing into the test's directory, so no test reads or
 * writes the data directory of the person running it. Every endpoint binds
 * `127.0.0.1`. `cleanUp` kills whatever child is still running and removes
 * the directories.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const command = fileURLToPath(new URL("../bin/verse-sync.js", import.meta.url))

/** The Wikispeedia sample: 4,365 intents (the shared folder sits beside the repository). */
export const sampleFile = fileURLToPath(new URL("../../../../shared/data/wikispeedia-sample.jsonl", import.meta.url))

/** The whole Wikispeedia history: 144,035 intents, 26 MB. */
export const wikispeedia = fileURLToPath(new URL("../../../../shared/data/wikispeedia.jsonl", import.meta.url))

/** Loopback only, any free port: nothing a test starts is reachable from elsewhere. */
export const loopback = ["--bind", "127.0.0.1:0"] as const

// Starting the command takes about 2 s on a loaded 2-core machine; a line it
// prints soon after starting (serve's ticket) comes well within this.
const lineTimeoutMs = 30_000

/** What a finished run of the command left behind. */
export interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Parses every line of `stdout` as JSON, failing the test on a line that is not. */
export const jsonLines = (stdout: string): Array<Record<string, unknown>> =>
  stdout.trim().split("\n").filter((line) => line !== "").map((line) => JSON.parse(line))

/** A run of the command still going: what it printed so far, and how to wait for it or end it. */
export interface Running {
  readonly stdout: () => string
  readonly stderr: () => string
  /**
   * Resolves with the first value `find` returns for a whole line of stdout,
   * printed already or to come; rejects if the process ends first or after
   * `timeoutMs`.
   */
  readonly waitForLine: <A>(find: (line: string) => A | undefined, timeoutMs?: number) => Promise<A>
  readonly finished: Promise<Finished>
  /** Sends `signal` and waits for the process to end. */
  readonly stop: (signal: NodeJS.Signals) => Promise<Finished>
}

/** A running `serve`: its ticket, what it printed so far, and how to stop it. */
export interface ServingNode extends Running {
  readonly ticket: string
}

/** A test's sandbox: its own directory, and every child it started. */
export interface Sandbox {
  /** A data directory named `name` inside the sandbox (created by the command on first use). */
  readonly dataDirectory: (name: string) => string
  /** A file with `text` inside the sandbox; returns its path. */
  readonly writeFile: (name: string, text: string) => string
  /** Runs the command to its end. */
  readonly run: (args: ReadonlyArray<string>) => Promise<Finished>
  /** Starts the command in the background. */
  readonly start: (args: ReadonlyArray<string>) => Running
  /** Runs `verse-sync id` in `dataDirectory` and returns the endpoint id. */
  readonly endpointId: (dataDirectory: string) => Promise<string>
  /** Starts `serve` with `args` and waits for its ticket (`ready` line, or the `started` record with `--json`). */
  readonly serve: (args: ReadonlyArray<string>) => Promise<ServingNode>
  /** Kills every child still running and removes the sandbox's directory. */
  readonly cleanUp: () => void
}

/** Makes a sandbox under the system temp directory. */
export const makeSandbox = (): Sandbox => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "verse-sync-cli-"))
  const children = new Set<ChildProcess>()
  const env: NodeJS.ProcessEnv = { ...withoutVerseSyncVariables(process.env), VERSE_SYNC_HOME: path.join(root, "home") }

  const start = (args: ReadonlyArray<string>): Running => {
    const child = spawn(process.execPath, [command, ...args], { env, stdio: ["ignore", "pipe", "pipe"] })
    children.add(child)
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (chunk) => (stdout += chunk))
    child.stderr!.on("data", (chunk) => (stderr += chunk))
    const finished = new Promise<Finished>((resolve) =>
      child.on("close", (code, signal) => {
        children.delete(child)
        resolve({ code, signal, stdout, stderr })
      })
    )

    const waitForLine = <A>(find: (line: string) => A | undefined, timeoutMs = lineTimeoutMs) =>
      new Promise<A>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.stdout!.off("data", look)
          reject(new Error(`no such line within ${timeoutMs} ms; stderr: ${stderr}`))
        }, timeoutMs)
        // Only whole lines count: a chunk may end in the middle of one.
        function look() {
          for (const line of stdout.split("\n").slice(0, -1)) {
            const found = find(line)
            if (found === undefined) continue
            clearTimeout(timer)
            child.stdout!.off("data", look)
            return resolve(found)
          }
        }
        child.stdout!.on("data", look)
        look()
        void finished.then((ended) => {
          clearTimeout(timer)
          reject(new Error(`exited (${ended.code ?? ended.signal}) before the line came: ${ended.stderr}`))
        })
      })

    return {
      stdout: () => stdout,
      stderr: () => stderr,
      waitForLine,
      finished,
      stop: (signal) => {
        child.kill(signal)
        return finished
      }
    }
  }

  const run = (args: ReadonlyArray<string>) => start(args).finished

  const serve = async (args: ReadonlyArray<string>): Promise<ServingNode> => {
    const started = start(["serve", ...args])
    const ticket = await started.waitForLine(ticketIn)
    return { ...started, ticket }
  }

  return {
    dataDirectory: (name) => path.join(root, name),
    writeFile: (name, text) => {
      const file = path.join(root, name)
      fs.writeFileSync(file, text)
      return file
    },
    run,
    start,
    endpointId: async (dataDirectory) => {
      const finished = await run(["id", "--data-dir", dataDirectory])
      if (finished.code !== 0) throw new Error(`verse-sync id failed: ${finished.stderr}`)
      return finished.stdout.trim()
    },
    serve,
    cleanUp: () => {
      for (const child of children) child.kill("SIGKILL")
      fs.rmSync(root, { recursive: true, force: true })
    }
  }
}

/** The ticket in a line of `serve`: its `ready` line, or the `started` record with `--json`. */
const ticketIn = (line: string): string | undefined => {
  if (line.startsWith("ready ")) return line.slice("ready ".length)
  if (!line.includes("sync.worker.started")) return undefined
  const record = JSON.parse(line) as { readonly fields: { readonly ticket: string } }
  return record.fields.ticket
}

const withoutVerseSyncVariables = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith("VERSE_SYNC_")))
