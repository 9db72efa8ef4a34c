import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { EndpointId, Millis, NodeId, Sequence, shortId, WorkspaceId } from "../src/index.ts"
import { author, centuryNode } from "./fixtures.ts"

const accepts = (schema: Schema.Decoder<unknown>, input: unknown): boolean =>
  Result.isSuccess(Schema.decodeUnknownResult(schema)(input))

describe("Identifiers", () => {
  it("shortId shows the first 10 hex characters, as iroh's fmt_short does", () => {
    expect(shortId(author)).toBe("79b5562e8f")
  })

  it("an endpoint id is 64 lowercase hex characters", () => {
    expect(accepts(EndpointId, author)).toBe(true)
    expect(accepts(EndpointId, author.toUpperCase())).toBe(false)
    expect(accepts(EndpointId, author.slice(1))).toBe(false)
  })

  it("a workspace id is 1 to 128 of letters, digits and . _ : -", () => {
    expect(accepts(WorkspaceId, "research.2024_q1:graph-a")).toBe(true)
    expect(accepts(WorkspaceId, "x".repeat(128))).toBe(true)
    expect(accepts(WorkspaceId, "x".repeat(129))).toBe(false)
    expect(accepts(WorkspaceId, "")).toBe(false)
    expect(accepts(WorkspaceId, "my workspace")).toBe(false)
  })

  it("a node id is a lowercase canonical RFC 4122 UUID", () => {
    expect(accepts(NodeId, centuryNode)).toBe(true)
    expect(accepts(NodeId, "a323ddde-915e-5c70-a1f9-3f8cd336d13e")).toBe(true)
    expect(accepts(NodeId, centuryNode.toUpperCase())).toBe(false)
    expect(accepts(NodeId, centuryNode.replaceAll("-", ""))).toBe(false)
    expect(accepts(NodeId, "0f8fad5b-d9cb-469f-c165-70867728950e")).toBe(false)
  })

  it("millis and sequences are integers below 2^53, sequences from 1", () => {
    expect(accepts(Millis, 0)).toBe(true)
    expect(accepts(Millis, Number.MAX_SAFE_INTEGER)).toBe(true)
    expect(accepts(Millis, Number.MAX_SAFE_INTEGER + 1)).toBe(false)
    expect(accepts(Millis, -1)).toBe(false)
    expect(accepts(Sequence, 1)).toBe(true)
    expect(accepts(Sequence, 0)).toBe(false)
    expect(accepts(Sequence, 1.5)).toBe(false)
  })
})
