/**
 * The runner's side of a role: a child process running one file of
 * `bench/roles/` under tsx, started with its options as one JSON argument,
 * spoken to in JSON lines on stdin and heard from in JSON lines on stdout
 * (see `roles/Role.ts`).
 *
 * Every role started is tracked and killed when the runner exits, however it
 * exits, so a failed case leaves no process behind.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"

/** An event a role reported: its name and its fields. */
export interface RoleEvent {
  readonly event: string
  readonly [field: string]: unknown
}

/** How to start a role. */
export interface StartOptions {
  /**
   * Profiles the role's CPU (`node --cpu-prof`) into this directory, with
   * the source maps of its modules beside the profile as `source-maps.json`.
   */
  readonly profileDirectory?: string | undefined
}

const repositoryRoot = new URL("..", import.meta.url).pathname

// How much of a role's stderr is kept to explain its failure.
const stderrLinesKept = 20

// `BENCH_VERBOSE=1` passes every role's stderr through, each line marked with the role.
const verbose = process.env["BENCH_VERBOSE"] === "1"

const running = new Set<ChildProcess>()

const killAll = () => {
  for (const child of running) child.kill("SIGKILL")
}
process.on("exit", killAll)
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

/** A running role. */
export class RoleProcess {
  readonly #child: ChildProcess
  readonly #events: Array<RoleEvent> = []
  // Woken, all at once, by each event and by the exit.
  #wakers: Array<() => void> = []
  readonly #stderr: Array<string> = []
  readonly #exited: Promise<number | null>

  private constructor(readonly name: string, child: ChildProcess) {
    this.#child = child
    running.add(child)
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (!line.startsWith("{")) return
      this.#events.push(JSON.parse(line) as RoleEvent)
      this.#wake()
    })
    createInterface({ input: child.stderr! }).on("line", (line) => {
      if (verbose) process.stderr.write(`[${name}] ${line}\n`)
      this.#stderr.push(line)
      if (this.#stderr.length > stderrLinesKept) this.#stderr.shift()
    })
    this.#exited = new Promise((resolve) =>
      child.on("exit", (code) => {
        running.delete(child)
        resolve(code)
        this.#wake()
      })
    )
  }

  /** Starts `roles/<role>.ts` with `options`. */
  static start(role: string, options: object, start: StartOptions = {}): RoleProcess {
    if (start.profileDirectory !== undefined) mkdirSync(start.profileDirectory, { recursive: true })
    const child = spawn(
      process.execPath,
      [
        "--expose-gc",
        "--no-deprecation",
        ...(start.profileDirectory === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${start.profileDirectory}`]),
        "--import",
        "tsx",
        `bench/roles/${role}.ts`,
        JSON.stringify(options)
      ],
      {
        cwd: repositoryRoot,
        stdio: ["pipe", "pipe", "pipe"],
        env: start.profileDirectory === undefined
          ? process.env
          : { ...process.env, BENCH_SOURCE_MAPS: join(start.profileDirectory, "source-maps.json") }
      }
    )
    return new RoleProcess(role, child)
  }

  /** The role's process id (for attaching a native profiler such as `perf`). */
  get pid(): number | undefined {
    return this.#child.pid
  }

  /** Sends a command. */
  send(command: string, fields: object = {}): void {
    this.#child.stdin!.write(JSON.stringify({ command, ...fields }) + "\n")
  }

  /**
   * The first event named `event` not taken before (and matching `accept`),
   * waiting for it up to `timeoutMs`. An `error` event, the role exiting, or
   * the time running out fail with the role's last words.
   */
  async next(event: string, timeoutMs: number, accept: (found: RoleEvent) => boolean = () => true): Promise<RoleEvent> {
    const deadline = Date.now() + timeoutMs
    while (true) {
      const index = this.#events.findIndex((found) =>
        found.event === "error" || (found.event === event && accept(found))
      )
      if (index !== -1) {
        const [found] = this.#events.splice(index, 1)
        if (found!.event === "error") throw this.#failure(`reported an error: ${String(found!["message"])}`)
        return found!
      }
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
        throw this.#failure(`exited (${this.#child.exitCode ?? this.#child.signalCode}) before "${event}"`)
      }
      const remaining = deadline - Date.now()
      if (remaining <= 0) throw this.#failure(`no "${event}" within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining)
        this.#wakers.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Sends `command` and waits for `reply`. */
  async ask(command: string, reply: string, timeoutMs: number, fields: object = {}): Promise<RoleEvent> {
    this.send(command, fields)
    return this.next(reply, timeoutMs)
  }

  /**
   * Ends the role: closes its stdin (roles exit on that, writing any CPU
   * profile), and kills it if it has not exited within `graceMs`.
   */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    this.#child.stdin!.end()
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), graceMs)
    await this.#exited
    clearTimeout(timer)
  }

  #wake(): void {
    const wakers = this.#wakers
    this.#wakers = []
    for (const wake of wakers) wake()
  }

  #failure(what: string): Error {
    const said = this.#stderr.length === 0 ? "" : `; its stderr ended with:\n  ${this.#stderr.join("\n  ")}`
    return new Error(`role ${this.name} ${what}${said}`)
  }
}

/** Stops every role given, together. */
export const stopAll = (roles: ReadonlyArray<RoleProcess | undefined>): Promise<unknown> =>
  Promise.all(roles.map((role) => role?.stop()))
