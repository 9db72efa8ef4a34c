import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import { decodeSyncUnit } from "../src/index.ts"
import { author, vectors } from "./fixtures.ts"

const invalidUnits = vectors.rejects.filter((vector) => vector.reject === "InvalidUnit")
const validUnits = vectors.valid.filter((vector) => vector.message.type === "SyncUnit")

describe("decodeSyncUnit", () => {
  it("covers the six InvalidUnit vectors", () => {
    expect(invalidUnits.map((vector) => vector.name)).toEqual([
      "unit-url-not-string",
      "unit-unknown-intent-type",
      "unit-no-intents",
      "unit-uppercase-endpoint-id",
      "unit-node-id-not-uuid",
      "unit-fractional-sequence"
    ])
  })

  it.each(invalidUnits)("refuses $name at the vector's path", (vector) => {
    const decoded = decodeSyncUnit(vector.message)

    const issue = Result.getOrThrow(Result.flip(decoded))
    expect(issue.path).toBe(vector.path)
    expect(issue.message.startsWith(`${vector.path}: `)).toBe(true)
    expect(issue.message).not.toContain("\n")
  })

  it.each(validUnits)("accepts the valid vector $name", (vector) => {
    expect(Result.isSuccess(decodeSyncUnit(vector.message))).toBe(true)
  })

  it("drops unknown fields at every level", () => {
    const unit = {
      type: "SyncUnit",
      batch: 1,
      workspaceId: "research",
      fromPeer: author,
      note: "ignored",
      intents: [{
        authoredBy: author,
        authoredAt: 0,
        sequence: 1,
        signature: "ignored",
        intent: { type: "SetWorkspaceName", name: "Research", colour: "ignored" }
      }]
    }

    expect(Result.getOrThrow(decodeSyncUnit(unit))).toEqual({
      type: "SyncUnit",
      batch: 1,
      workspaceId: "research",
      fromPeer: author,
      intents: [{
        authoredBy: author,
        authoredAt: 0,
        sequence: 1,
        intent: { type: "SetWorkspaceName", name: "Research" }
      }]
    })
  })

  it("names the unit itself when it is not an object", () => {
    expect(Result.getOrThrow(Result.flip(decodeSyncUnit(null)))).toEqual({
      path: "",
      message: "unit: Expected object, got null"
    })
  })

  it("keeps a message short when the offending value is long", () => {
    const unit = {
      type: "SyncUnit",
      batch: 1,
      workspaceId: "x".repeat(10_000),
      fromPeer: author,
      intents: [{ authoredBy: author, authoredAt: 0, sequence: 1, intent: { type: "SetWorkspaceName", name: "A" } }]
    }

    const issue = Result.getOrThrow(Result.flip(decodeSyncUnit(unit)))
    expect(issue.path).toBe("workspaceId")
    expect(issue.message.length).toBeLessThanOrEqual(200)
  })
})
