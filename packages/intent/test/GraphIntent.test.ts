import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { GraphIntent } from "../src/index.ts"
import { centuryNode, rainbowNode } from "./fixtures.ts"

const accepts = (input: unknown): boolean => Result.isSuccess(Schema.decodeUnknownResult(GraphIntent)(input))

const addNode = { type: "AddNode", nodeId: centuryNode, url: "https://en.wikipedia.org/wiki/14th_century" }
const tags = { type: "UpdateNodeTags", nodeId: centuryNode, add: ["History"], remove: [] }

describe("GraphIntent", () => {
  it("a url is 1 to 8192 characters; a title, optional on AddNode, at most 1024", () => {
    expect(accepts(addNode)).toBe(true)
    expect(accepts({ ...addNode, url: "u".repeat(8192), title: "t".repeat(1024) })).toBe(true)
    expect(accepts({ ...addNode, url: "" })).toBe(false)
    expect(accepts({ ...addNode, url: "u".repeat(8193) })).toBe(false)
    expect(accepts({ ...addNode, title: "t".repeat(1025) })).toBe(false)
  })

  it("counts characters as code points, so an emoji is one", () => {
    expect(accepts({ ...addNode, title: "🌈".repeat(1024) })).toBe(true)
    expect(accepts({ ...addNode, title: "🌈".repeat(1025) })).toBe(false)
  })

  it("a tags update names at most 64 tags on each side, each 1 to 128 characters, and needs both sides", () => {
    expect(accepts({ ...tags, add: Array.from({ length: 64 }, (_, i) => `t${i}`) })).toBe(true)
    expect(accepts({ ...tags, add: Array.from({ length: 65 }, (_, i) => `t${i}`) })).toBe(false)
    expect(accepts({ ...tags, add: [""] })).toBe(false)
    expect(accepts({ ...tags, remove: ["t".repeat(129)] })).toBe(false)
    expect(accepts({ type: "UpdateNodeTags", nodeId: centuryNode, add: ["History"] })).toBe(false)
  })

  it("edges and traversals take only their listed kinds and triggers", () => {
    const edge = { type: "AddEdge", from: centuryNode, to: rainbowNode, kind: "Hyperlink" }
    const traversal = { type: "AddTraversal", from: centuryNode, to: rainbowNode, at: 0, trigger: "Back" }
    expect(accepts(edge)).toBe(true)
    expect(accepts({ ...edge, type: "RemoveEdge", kind: "UserGrouped" })).toBe(true)
    expect(accepts({ ...edge, kind: "Link" })).toBe(false)
    expect(accepts(traversal)).toBe(true)
    expect(accepts({ ...traversal, trigger: "Teleport" })).toBe(false)
    expect(accepts({ ...traversal, at: -1 })).toBe(false)
  })

  it("a position is two finite numbers", () => {
    const position = { type: "SetNodePosition", nodeId: centuryNode, x: 120.5, y: -48 }
    expect(accepts(position)).toBe(true)
    expect(accepts({ ...position, x: Number.POSITIVE_INFINITY })).toBe(false)
    expect(accepts({ ...position, y: "1" })).toBe(false)
  })

  it("a workspace name is 1 to 256 characters", () => {
    expect(accepts({ type: "SetWorkspaceName", name: "n".repeat(256) })).toBe(true)
    expect(accepts({ type: "SetWorkspaceName", name: "" })).toBe(false)
    expect(accepts({ type: "SetWorkspaceName", name: "n".repeat(257) })).toBe(false)
  })
})
