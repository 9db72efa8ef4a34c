/**
 * An intents file: what `verse-sync push` sends (DESIGN.md "The command").
 * One JSON object a line, `{"authoredAt": <Millis>, "intent": <GraphIntent>}`,
 * `authoredAt` optional. A line's 1-based number is its sequence, so the
 * file is the history of one author, in order, and pushing it twice applies
 * nothing the second time.
 *
 * The whole file is read and every line checked against the intent schemas
 * before anything is sent: a bad line is reported as `file:line: what is
 * wrong`, and a push never stops halfway through a file because of one.
 *
 * Gotchas: the file is held in memory whole, twice for a moment (the text,
 * then the decoded lines): about 5 times its size, 130 MB for the 26 MB
 * Wikispeedia file. An empty line is an error (it would leave a hole in the
 * sequences), except for the one after the last newline.
 */
import {
  describeIssue,
  type GraphIntent,
  GraphIntent as GraphIntentSchema,
  Millis,
  type SyncedIntent
} from "@verse-sync/intent"
import { Effect, FileSystem, type PlatformError, Result, Schema } from "effect"
import { usageError } from "./ExitCode.ts"

/** One line of an intents file, decoded. */
export interface IntentLine {
  readonly authoredAt?: Millis
  readonly intent: GraphIntent
}

const IntentLineSchema = Schema.Struct({
  authoredAt: Schema.optionalKey(Millis),
  intent: GraphIntentSchema
})

// Built once: a decoder compiles its schema when made, and every line goes through it.
const decodeLine = Schema.decodeUnknownResult(IntentLineSchema)

// A failed line is decoded again with its input reported, so the message can
// show what was found; the 144,035 good lines never pay for that.
const decodeLineReporting = Schema.decodeUnknownResult(IntentLineSchema, { reportInput: true })

/**
 * Reads and checks the intents file at `path`. Fails with a usage error
 * (exit 1) naming the first bad line, or the file if it cannot be read.
 */
export const read = Effect.fn("IntentsFile.read")(function*(path: string) {
  const fileSystem = yield* FileSystem.FileSystem
  const text = yield* fileSystem.readFileString(path).pipe(
    Effect.mapError((error) => usageError(`cannot read ${path}: ${describeReadFailure(error)}`))
  )
  const lines = text.split("\n")
  if (lines[lines.length - 1] === "") lines.pop()

  const decoded: Array<IntentLine> = new Array(lines.length)
  for (let index = 0; index < lines.length; index++) {
    const line = decodeText(lines[index]!)
    if (Result.isFailure(line)) return yield* usageError(`${path}:${index + 1}: ${line.failure}`)
    decoded[index] = line.success
  }
  return decoded
})

const describeReadFailure = (error: PlatformError.PlatformError): string => {
  switch (error.reason._tag) {
    case "NotFound":
      return "no such file"
    case "PermissionDenied":
      return "permission denied"
    default:
      return error.message.split("\n", 1)[0]!
  }
}

/** The synced intents of `lines` by `author`: line i is sequence i; a missing `authoredAt` is `now`. */
export const toSyncedIntents = (
  lines: ReadonlyArray<IntentLine>,
  author: string,
  now: number
): Array<SyncedIntent> =>
  lines.map((line, index) => ({
    authoredBy: author,
    authoredAt: line.authoredAt ?? now,
    sequence: index + 1,
    intent: line.intent
  }))

const decodeText = (text: string): Result.Result<IntentLine, string> => {
  if (text.trim() === "") return Result.fail("empty line; every line must hold one intent")
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return Result.fail(`not JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
  const line = decodeLine(json)
  return Result.isSuccess(line) ? Result.succeed(line.success) : Result.fail(describeFailure(json))
}

// One line: `intent.nodeId: Expected a node id (a lowercase RFC 4122 UUID), got "x"`.
const describeFailure = (json: unknown): string => {
  const failure = decodeLineReporting(json)
  return Result.isFailure(failure) ? describeIssue(failure.failure.issue, "line") : "not an intent line"
}
