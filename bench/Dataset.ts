/**
 * The history every case moves: the Wikispeedia intents file of the shared
 * data directory (144,035 intents, 26.7 MB of JSON lines), as one author's
 * synced intents and as the units and frames a dialer sends.
 *
 * Every role that needs the history builds it from the file itself, the same
 * way, so the transport baseline and the ingest case carry the same bytes.
 */
import type { SyncedIntent } from "@verse-sync/intent"
import { encodeFrame, type FrameCodec, SyncClient } from "@verse-sync/sync-worker"
import { readFileSync } from "node:fs"

/** The intents file, next to the repository as `../shared/data/` (override with `BENCH_DATA`). */
export const dataFile = process.env["BENCH_DATA"] ??
  new URL("../../shared/data/wikispeedia.jsonl", import.meta.url).pathname

/** The workspace every push writes to, as `verse-sync push` does by default. */
export const workspace = "default"

/** The protocol's unit size: what `verse-sync push` sends (DESIGN.md "The command"). */
export const intentsPerUnit = 1000

/** The protocol's frame limit (PROTOCOL.md §2). */
const maxFrameBytes = 1_048_576

/**
 * Line i (1-based) of the file as intent i of `author`, read the way
 * `verse-sync push` reads it. `limit` keeps the first lines only.
 */
export const readHistory = (author: string, limit = Infinity): ReadonlyArray<SyncedIntent> => {
  const lines = readFileSync(dataFile, "utf8").split("\n").filter((line) => line.length > 0)
  return lines.slice(0, limit).map((line, index) => {
    const { authoredAt, intent } = JSON.parse(line)
    return { authoredBy: author, authoredAt, sequence: index + 1, intent }
  })
}

/** The units `verse-sync push` would send for `intents`, `size` intents at most each. */
export const planUnits = (
  author: string,
  intents: ReadonlyArray<SyncedIntent>,
  size = intentsPerUnit,
  workspaceId = workspace
): ReadonlyArray<SyncClient.PlannedUnit> =>
  SyncClient.planUnits(workspaceId, author, intents, { maxIntents: size, maxFrameBytes })

/** The SyncUnit frames of `units`, numbered from batch 1, exactly as `SyncClient.sendUnits` writes them. */
export const unitFrames = (
  author: string,
  units: ReadonlyArray<SyncClient.PlannedUnit>,
  codec: FrameCodec
): ReadonlyArray<Uint8Array> =>
  units.map((unit, index) =>
    encodeFrame(
      { type: "SyncUnit", batch: index + 1, workspaceId: unit.workspaceId, fromPeer: author, intents: unit.intents },
      codec
    )
  )

/** The total length of some frames. */
export const totalBytes = (frames: ReadonlyArray<Uint8Array>): number =>
  frames.reduce((sum, frame) => sum + frame.length, 0)
