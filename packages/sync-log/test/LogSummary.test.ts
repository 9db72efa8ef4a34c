import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { author, centuryNode, otherAuthor, run, synced } from "../../intent/test/fixtures.ts"
import { readSummary } from "../src/index.ts"
import { buildReducer, folderBytes, temporaryLogPath } from "./fixtures.ts"

// Two workspaces, one with a live tagged page, written by two authors.
const writeTwoWorkspaces = (databasePath: string) =>
  Effect.scoped(Effect.gen(function*() {
    const reducer = yield* buildReducer({ databasePath })
    yield* reducer.submit("research", author, [
      ...run(1, 2),
      synced(3, { type: "AddNode", nodeId: centuryNode, url: "https://en.wikipedia.org/wiki/20th_century" }),
      synced(4, { type: "UpdateNodeTags", nodeId: centuryNode, add: ["History", "Time"], remove: [] })
    ])
    yield* reducer.submit("notes", otherAuthor, run(1, 6, otherAuthor))
  }))

describe("readSummary", () => {
  it.effect("summarises every workspace of a log, in the order they were first written to, without a node", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      yield* writeTwoWorkspaces(databasePath)

      const summaries = yield* readSummary(databasePath)

      expect(summaries).toEqual([
        {
          workspaceId: "research",
          name: "name 2",
          intents: 4,
          nodes: 1,
          edges: 0,
          traversals: 0,
          tags: 2,
          versionVector: { [author]: 4 }
        },
        {
          workspaceId: "notes",
          name: "name 6",
          intents: 6,
          nodes: 0,
          edges: 0,
          traversals: 0,
          tags: 0,
          versionVector: { [otherAuthor]: 6 }
        }
      ])
    }))

  it.effect("summarises only the workspace asked for, and nothing for one the log does not hold", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      yield* writeTwoWorkspaces(databasePath)

      const notes = yield* readSummary(databasePath, "notes")
      const elsewhere = yield* readSummary(databasePath, "elsewhere")

      expect(notes.map((summary) => [summary.workspaceId, summary.intents])).toEqual([["notes", 6]])
      expect(elsewhere).toEqual([])
    }))

  it.effect("reads a log while a node is writing to it, seeing every committed unit", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      const reducer = yield* buildReducer({ databasePath })
      yield* reducer.submit("research", author, run(1, 10))

      const first = yield* readSummary(databasePath)
      yield* reducer.submit("research", author, run(11, 15))
      const second = yield* readSummary(databasePath)

      expect([first[0]?.intents, second[0]?.intents]).toEqual([10, 15])
    }))

  it.effect("fails with NotFound where there is no log, and creates nothing", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath

      const error = yield* Effect.flip(readSummary(databasePath))

      expect(error.reason._tag).toBe("NotFound")
      expect(error.message).toBe(`there is no sync log at ${databasePath}; check the data directory`)
      expect(fs.readdirSync(path.dirname(databasePath))).toEqual([])
    }))

  it.effect("refuses a file that is not a log, as opening it for writing does, and leaves it alone", () =>
    Effect.gen(function*() {
      const databasePath = yield* temporaryLogPath
      fs.writeFileSync(databasePath, "not a database")
      const before = folderBytes(databasePath)

      const error = yield* Effect.flip(readSummary(databasePath))

      expect(error.reason._tag).toBe("NotADatabase")
      expect(folderBytes(databasePath)).toEqual(before)
    }))
})
