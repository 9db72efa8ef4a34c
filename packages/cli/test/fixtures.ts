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

/** Loopback only, any free port: nothing a test starts is reachable from elsewhere. */
export const loopback = ["--bind", "127.0.0.1:0"] as const

// Starting the command takes about 2 s on a loaded 2-core machine; this leaves room.
const readyTimeoutMs = 30_000

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

/** A running `serve`: its ticket, what it printed so far, and how to stop it. */
export interface ServingNode {
  readonly ticket: string
  readonly stdout: () => string
  /** Sends `signal` and waits for the process to end. */
  readonly stop: (signal: NodeJS.Signals) => Promise<Finished>
}

/** A test's sandbox: its own directory, and every child it started. */
export interface Sandbox {
  /** A data directory named `name` inside the sandbox (created by the command on first use). */
  readonly dataDirectory: (name: string) => string
  /** A file with `text` inside the sandbox; returns its path. */
  readonly writeFile: (name: string, text: string) => string
  /** Runs the command to its end. */
  readonly run: (args: ReadonlyArray<string>) => Promise<Finished>
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

  const start = (args: ReadonlyArray<string>) => {
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
    return { child, finished, stdout: () => stdout, stderr: () => stderr }
  }

  const run = (args: ReadonlyArray<string>) => start(args).finished

  const serve = async (args: ReadonlyArray<string>): Promise<ServingNode> => {
    const started = start(["serve", ...args])
    const ticket = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve not ready: ${started.stderr()}`)), readyTimeoutMs)
      const look = () => {
        const found = ticketIn(started.stdout())
        if (found === undefined) return
        clearTimeout(timer)
        started.child.stdout!.off("data", look)
        resolve(found)
      }
      started.child.stdout!.on("data", look)
      void started.finished.then((finished) => reject(new Error(`serve exited early: ${finished.stderr}`)))
    })
    return {
      ticket,
      stdout: started.stdout,
      stop: (signal) => {
        started.child.kill(signal)
        return started.finished
      }
    }
  }

  return {
    dataDirectory: (name) => path.join(root, name),
    writeFile: (name, text) => {
      const file = path.join(root, name)
      fs.writeFileSync(file, text)
      return file
    },
    run,
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

// Only whole lines count: a chunk may end in the middle of the ticket.
const ticketIn = (stdout: string): string | undefined => {
  const lines = stdout.split("\n").slice(0, -1)
  for (const line of lines) {
    if (line.startsWith("ready ")) return line.slice("ready ".length)
    if (!line.includes("sync.worker.started")) continue
    const record = JSON.parse(line) as { readonly fields: { readonly ticket: string } }
    return record.fields.ticket
  }
  return undefined
}

const withoutVerseSyncVariables = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith("VERSE_SYNC_")))
