/**
 * What every role process of the benchmark shares: its options (one JSON
 * argument), its events (one JSON object a line on stdout, for the runner),
 * its commands (one JSON object a line on stdin, from the runner), and the
 * clock all processes compare times on.
 *
 * A role exits when its stdin closes (once it has asked for its first
 * command), so a runner that dies takes its roles with it, and nothing is
 * left running on the machine.
 */
import { readdirSync, writeFileSync } from "node:fs"
import { findSourceMap } from "node:module"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { pathToFileURL } from "node:url"

/** A command from the runner: its name, and whatever the command carries. */
export interface Command {
  readonly command: string
  readonly [field: string]: unknown
}

/** The options the runner started this role with. */
export const options = <A>(): A => JSON.parse(process.argv[2] ?? "{}") as A

/**
 * Milliseconds since the Unix epoch with sub-millisecond resolution. Every
 * process of a case runs on this machine's one clock, so times taken in two
 * processes can be subtracted.
 */
export const now = (): number => performance.timeOrigin + performance.now()

/**
 * This machine's monotonic clock in microseconds: the clock V8 stamps CPU
 * profile samples with, so a role can mark the window of a profile that
 * matters (see `CpuProfile.summarize`).
 */
export const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n)

/** Tells the runner something: one JSON line on stdout. */
export const emit = (event: string, fields: object = {}): void => {
  process.stdout.write(JSON.stringify({ event, ...fields }) + "\n")
}

const waiting: Array<(command: Command) => void> = []
const queued: Array<Command> = []
let listening = false

// Started on the first wait for a command, so that merely importing this
// module (the runner imports its helpers) does not tie a process to its stdin.
const listen = () => {
  if (listening) return
  listening = true
  createInterface({ input: process.stdin }).on("line", (line) => {
    if (line.trim() === "") return
    const command = JSON.parse(line) as Command
    const next = waiting.shift()
    if (next !== undefined) next(command)
    else queued.push(command)
  }).on("close", () => process.exit(0))
}

/** The next command from the runner, in the order they were sent. */
export const nextCommand = (): Promise<Command> => {
  listen()
  const command = queued.shift()
  if (command !== undefined) return Promise.resolve(command)
  return new Promise((resolve) => waiting.push(resolve))
}

/**
 * Serves commands until the runner closes stdin, one at a time, in order.
 * A handler that throws reports `error` and the role goes on with the next.
 */
export const serveCommands = async (handle: (command: Command) => Promise<void>): Promise<never> => {
  while (true) {
    const command = await nextCommand()
    try {
      await handle(command)
    } catch (error) {
      emit("error", { command: command.command, message: error instanceof Error ? error.message : String(error) })
    }
  }
}

/** Heap and resident memory after a full collection (roles run with `--expose-gc`). */
export const memory = (): { readonly rss: number; readonly heapUsed: number } => {
  const collect = (globalThis as { gc?: () => void }).gc
  if (collect !== undefined) {
    collect()
    collect()
  }
  const usage = process.memoryUsage()
  return { rss: usage.rss, heapUsed: usage.heapUsed }
}

/** Lowercase hex of bytes, and back: how keys travel between runner and roles. */
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")
export const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, "hex"))

const repositoryRoot = new URL("../..", import.meta.url).pathname

/**
 * The source maps tsx made for this repository's modules, by file URL. A CPU
 * profile locates frames in the code tsx produced (whitespace-minified, one
 * line a module, names lost), so reading one needs these to find the lines
 * of the TypeScript.
 */
const sourceMapsOfThisRepository = (): Record<string, unknown> => {
  const maps: Record<string, unknown> = {}
  const directories = ["bench", ...readdirSync(join(repositoryRoot, "packages")).map((name) => `packages/${name}/src`)]
  for (const directory of directories) {
    for (const file of readdirSync(join(repositoryRoot, directory), { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts")) continue
      const url = pathToFileURL(join(repositoryRoot, directory, file)).href
      const map = findSourceMap(url)
      if (map !== undefined) maps[url] = map.payload
    }
  }
  return maps
}

// Set by the runner when it profiles a role: where to leave the source maps at exit.
const sourceMapsFile = process.env["BENCH_SOURCE_MAPS"]
if (sourceMapsFile !== undefined) {
  process.on("exit", () => writeFileSync(sourceMapsFile, JSON.stringify(sourceMapsOfThisRepository())))
}
