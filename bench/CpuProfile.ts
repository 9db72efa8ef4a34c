/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and says where the time went:
 * the frames with the most self time, each with its share of the samples,
 * the same summed by where the code lives, and the shares of idle (waiting on
 * I/O or timers) and of the garbage collector.
 *
 * Only the main JavaScript thread is sampled. What the iroh binding does
 * there shows up in one of two places: the synchronous part of a call (e.g.
 * `writeAll` copying its `number[]` argument) as self time of the JS function
 * that made the call, and the completion of an asynchronous call (e.g. `read`
 * building the `number[]` it resolves with) as `(program)`, native work with
 * no JS frame on the stack. Its Rust threads (QUIC, TLS, UDP) are not sampled.
 *
 * Frames in this repository's TypeScript are located through the source maps
 * tsx made (see `roles/Role.ts`): tsx runs whitespace-minified code, so the
 * profile alone knows neither their lines nor most of their names.
 */
import { readFileSync } from "node:fs"
import { SourceMap, type SourceMapPayload } from "node:module"
import { fileURLToPath } from "node:url"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
}

interface Profile {
  readonly startTime: number
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** One frame's (or one origin's) self time. */
export interface FrameShare {
  /** `function (file:line)`, the file relative to the repository or to `node_modules`. */
  readonly frame: string
  readonly ms: number
  /** Of all samples in the window, idle ones included. */
  readonly share: number
}

/** The summary of one profile. */
export interface ProfileSummary {
  readonly totalMs: number
  readonly idleShare: number
  readonly gcShare: number
  /** `(program)`: native work on the main thread outside any JS frame. */
  readonly programShare: number
  readonly top: ReadonlyArray<FrameShare>
  /** Self time summed by where the code lives (a package, `node:`, a VM bucket), largest first. */
  readonly byOrigin: ReadonlyArray<FrameShare>
}

/** A span of the monotonic clock, in microseconds (`Role.monotonicMicros`). */
export interface Window {
  readonly startUs: number
  readonly endUs: number
}

/** How to read a profile. */
export interface SummarizeOptions {
  /** Frames to keep in `top`; 15 by default. */
  readonly topCount?: number | undefined
  /** Only the samples taken within one of them count, so start-up and other runs stay out. */
  readonly windows?: ReadonlyArray<Window> | undefined
  /** The `source-maps.json` the role left beside its profile. */
  readonly sourceMapsPath?: string | undefined
}

const shortUrl = (url: string): string => {
  const modules = url.lastIndexOf("node_modules/")
  if (modules !== -1) return url.slice(modules + "node_modules/".length)
  for (const top of ["/packages/", "/bench/"]) {
    const at = url.indexOf(top)
    if (at !== -1) return url.slice(at + 1)
  }
  return url.replace(/^file:\/\//, "")
}

/** Where code lives, coarsely: an npm package, a workspace package, Node's own JS, or a VM bucket. */
const originOf = ({ functionName, url }: CallFrame): string => {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native or builtin)"
  const short = shortUrl(url)
  if (short.startsWith("node:")) return "node:* (Node's own JS)"
  if (short.startsWith("packages/")) return short.split("/").slice(0, 2).join("/")
  if (short.startsWith("bench/")) return "bench"
  const parts = short.split("/")
  return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!
}

const declaredBefore = /(?:^|[\s(,{])(#?[A-Za-z_$][\w$]*)\s*(?:[:=]|\?\?=)\s*(?:async\s*)?(?:function\s*\*?\s*)?\(?$/
const declaredAt = /^(?:async\s+)?(?:function\s*\*?\s*|get\s+|set\s+|static\s+)?(#?[A-Za-z_$][\w$]*)\s*[(<]/

/**
 * Names a function from the TypeScript line it starts on (the source map
 * points at its first parameter, or its name): the binding or
 * property it is assigned to (`const fromNative = (…) =>`, `read: (…) =>`),
 * or its own name (`push(chunk) {`, `function take(`).
 */
const nameAt = (line: string, column: number): string | undefined =>
  declaredAt.exec(line.slice(column))?.[1] ?? declaredBefore.exec(line.slice(0, column))?.[1]

/** Labels frames, through the source maps where there are some. */
const makeLabeler = (sourceMapsPath: string | undefined) => {
  const payloads: Record<string, SourceMapPayload> = sourceMapsPath === undefined
    ? {}
    : JSON.parse(readFileSync(sourceMapsPath, "utf8"))
  const maps = new Map<string, { readonly map: SourceMap; readonly lines: ReadonlyArray<string> }>()
  const mapOf = (url: string) => {
    if (!maps.has(url) && payloads[url] !== undefined) {
      const payload = payloads[url]!
      const source = (payload as { readonly sourcesContent?: ReadonlyArray<string | null> }).sourcesContent?.[0] ??
        readFileSync(fileURLToPath(url), "utf8")
      maps.set(url, { map: new SourceMap(payload), lines: source.split("\n") })
    }
    return maps.get(url)
  }
  return ({ functionName, url, lineNumber, columnNumber }: CallFrame): string => {
    if (url === "") return functionName
    const mapped = mapOf(url)
    const entry = mapped?.map.findEntry(lineNumber, columnNumber)
    if (mapped === undefined || entry === undefined || !("originalLine" in entry)) {
      return `${functionName === "" ? "(anonymous)" : functionName} (${shortUrl(url)}:${lineNumber + 1})`
    }
    const line = mapped.lines[entry.originalLine] ?? ""
    const name = lineNumber === 0 && columnNumber === 0
      ? "(module body)"
      : nameAt(line, entry.originalColumn) ?? (functionName === "" ? "(anonymous)" : functionName)
    return `${name} (${shortUrl(url)}:${entry.originalLine + 1})`
  }
}

/** Summarizes the profile at `path`. */
export const summarize = (path: string, options: SummarizeOptions = {}): ProfileSummary => {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const label = makeLabeler(options.sourceMapsPath)

  const selfMs = new Map<number, number>()
  let totalMs = 0
  let sampledAt = profile.startTime
  for (let index = 0; index < profile.samples.length; index++) {
    const delta = profile.timeDeltas[index] ?? 0
    sampledAt += delta
    const windows = options.windows
    if (windows !== undefined && !windows.some((window) => sampledAt >= window.startUs && sampledAt <= window.endUs)) {
      continue
    }
    totalMs += delta / 1000
    const id = profile.samples[index]!
    selfMs.set(id, (selfMs.get(id) ?? 0) + delta / 1000)
  }

  const byFrame = new Map<string, number>()
  const byOrigin = new Map<string, number>()
  const add = (into: Map<string, number>, key: string, ms: number) => into.set(key, (into.get(key) ?? 0) + ms)
  for (const [id, ms] of selfMs) {
    const { callFrame } = byId.get(id)!
    add(byFrame, label(callFrame), ms)
    add(byOrigin, originOf(callFrame), ms)
  }

  const shareOf = (ms: number) => totalMs === 0 ? 0 : ms / totalMs
  const ranked = (entries: Map<string, number>, count: number): ReadonlyArray<FrameShare> =>
    [...entries].sort((a, b) => b[1] - a[1]).slice(0, count).map(([frame, ms]) => ({
      frame,
      ms: Math.round(ms),
      share: shareOf(ms)
    }))

  return {
    totalMs: Math.round(totalMs),
    idleShare: shareOf(byFrame.get("(idle)") ?? 0),
    gcShare: shareOf(byFrame.get("(garbage collector)") ?? 0),
    programShare: shareOf(byFrame.get("(program)") ?? 0),
    top: ranked(byFrame, options.topCount ?? 15),
    byOrigin: ranked(byOrigin, 10)
  }
}
