/**
 * Shared fixtures of the intent tests: the protocol's test vectors, the
 * Wikispeedia intents files, and small builders for synced intents and units.
 */
import { readFileSync } from "node:fs"
import type { EndpointId, GraphIntent, NodeId, SyncedIntent } from "../src/index.ts"

/** The dialer of the test vectors, used as the author of every fixture intent. */
export const author: EndpointId = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"

/** A second author, for units that mix histories. */
export const otherAuthor: EndpointId = "32b53e882e3daac180d7a5f6224d61b6401b43f901db09f0e4d84ce4e4a2718b"

/** The n-th of a family of made-up authors, for tests that need many. */
export const nthAuthor = (n: number): EndpointId => n.toString(16).padStart(64, "0")

/** Two page ids of the test vectors. */
export const centuryNode: NodeId = "0f8fad5b-d9cb-469f-a165-70867728950e"
export const rainbowNode: NodeId = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

/** One entry of `vectors/protocol-v1.json`. */
export interface Vector {
  readonly name: string
  readonly message: { readonly type: string } & Record<string, unknown>
  readonly valid: boolean
  readonly reject?: string
  readonly path?: string
}

/** The normative vectors of PROTOCOL.md §5, read from the shared directory next to the repository. */
export const vectors: { readonly valid: ReadonlyArray<Vector>; readonly rejects: ReadonlyArray<Vector> } = JSON.parse(
  readFileSync(new URL("../../../../shared/vectors/protocol-v1.json", import.meta.url), "utf8")
)

/** A synced intent of `by` at `sequence`, with a fixed authoring time. */
export const synced = (sequence: number, intent: GraphIntent, by: EndpointId = author): SyncedIntent => ({
  authoredBy: by,
  authoredAt: 1_297_740_410_000 + sequence,
  sequence,
  intent
})

/** Intents of `by` with sequences `from` to `to` inclusive, each naming the workspace after its sequence. */
export const run = (from: number, to: number, by: EndpointId = author): Array<SyncedIntent> =>
  Array.from(
    { length: to - from + 1 },
    (_, index) => synced(from + index, { type: "SetWorkspaceName", name: `name ${from + index}` }, by)
  )

/**
 * The lines of an intents file of `/work/shared/data` (DESIGN.md "The
 * command"), as the unit payloads a dialer would send: line i (1-based) is
 * sequence i of {@link author}. Still undecoded, as from the wire.
 */
export const readIntentsFile = (fileName: string): Array<unknown> =>
  readFileSync(new URL(`../../../../shared/data/${fileName}`, import.meta.url), "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line, index) => ({ authoredBy: author, sequence: index + 1, ...JSON.parse(line) }))

/** Cuts intents into sync units of `size` for workspace `workspaceId`, numbered from batch 1. */
export const toUnits = (intents: ReadonlyArray<unknown>, workspaceId: string, size: number): Array<unknown> =>
  Array.from({ length: Math.ceil(intents.length / size) }, (_, index) => ({
    type: "SyncUnit",
    batch: index + 1,
    workspaceId,
    fromPeer: author,
    intents: intents.slice(index * size, (index + 1) * size)
  }))
