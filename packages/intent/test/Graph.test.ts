import { describe, expect, it } from "@effect/vitest"
import { Graph, type GraphIntent } from "../src/index.ts"
import { centuryNode, rainbowNode } from "./fixtures.ts"

const graphOf = (...intents: ReadonlyArray<GraphIntent>): Graph => {
  const graph = new Graph()
  for (const intent of intents) graph.apply(intent)
  return graph
}

const addCentury: GraphIntent = {
  type: "AddNode",
  nodeId: centuryNode,
  url: "https://en.wikipedia.org/wiki/14th_century",
  title: "14th century"
}
const addRainbow: GraphIntent = { type: "AddNode", nodeId: rainbowNode, url: "https://en.wikipedia.org/wiki/Rainbow" }
const link: GraphIntent = { type: "AddEdge", from: centuryNode, to: rainbowNode, kind: "Hyperlink" }

describe("Graph", () => {
  it("an empty graph has no name and counts nothing", () => {
    expect(new Graph().summary()).toEqual({ name: null, nodes: 0, edges: 0, traversals: 0, tags: 0 })
  })

  it("DeleteNode leaves a ghost that no longer counts, nor do its edges", () => {
    const graph = graphOf(addCentury, addRainbow, link, { type: "DeleteNode", nodeId: rainbowNode })

    expect(graph.summary()).toMatchObject({ nodes: 1, edges: 0 })
    expect(graph.node(rainbowNode)).toMatchObject({ deleted: true, url: "https://en.wikipedia.org/wiki/Rainbow" })
  })

  it("a later AddNode revives a ghost with its tags, position and edges", () => {
    const graph = graphOf(
      addCentury,
      addRainbow,
      link,
      { type: "UpdateNodeTags", nodeId: rainbowNode, add: ["optics"], remove: [] },
      { type: "SetNodePosition", nodeId: rainbowNode, x: 120.5, y: -48 },
      { type: "DeleteNode", nodeId: rainbowNode },
      addRainbow
    )

    expect(graph.summary()).toMatchObject({ nodes: 2, edges: 1, tags: 1 })
    expect(graph.node(rainbowNode)).toMatchObject({ deleted: false, position: { x: 120.5, y: -48 } })
    expect([...graph.node(rainbowNode)!.tags]).toEqual(["optics"])
  })

  it("keeps an edge that arrives before its pages and counts it once both are added", () => {
    const graph = graphOf(link, addCentury)
    expect(graph.summary().edges).toBe(0)

    graph.apply(addRainbow)

    expect(graph.summary()).toMatchObject({ nodes: 2, edges: 1 })
  })

  it("keeps a title, tags or position set before AddNode on a placeholder that does not count", () => {
    const graph = graphOf(
      { type: "UpdateNodeTitle", nodeId: rainbowNode, title: "Rainbow" },
      { type: "UpdateNodeTags", nodeId: rainbowNode, add: ["weather"], remove: [] }
    )
    expect(graph.summary()).toMatchObject({ nodes: 0, tags: 0 })

    graph.apply(addRainbow)

    expect(graph.summary()).toMatchObject({ nodes: 1, tags: 1 })
    expect(graph.node(rainbowNode)).toMatchObject({ title: "Rainbow", url: "https://en.wikipedia.org/wiki/Rainbow" })
  })

  it("AddNode without a title keeps the title the page had", () => {
    const graph = graphOf(addCentury, {
      type: "AddNode",
      nodeId: centuryNode,
      url: "https://en.wikipedia.org/wiki/14th_century"
    })

    expect(graph.node(centuryNode)?.title).toBe("14th century")
  })

  it("an edge is keyed by its pages and kind: adding twice keeps one, another kind is another edge", () => {
    const graph = graphOf(addCentury, addRainbow, link, link, { ...link, kind: "History" })
    expect(graph.summary().edges).toBe(2)

    graph.apply({ type: "RemoveEdge", from: centuryNode, to: rainbowNode, kind: "Hyperlink" })
    graph.apply({ type: "RemoveEdge", from: rainbowNode, to: centuryNode, kind: "History" })

    expect(graph.summary().edges).toBe(1)
  })

  it("counts every traversal, even between pages it does not hold", () => {
    const graph = graphOf(
      { type: "AddTraversal", from: centuryNode, to: rainbowNode, at: 1, trigger: "LinkClick" },
      { type: "AddTraversal", from: rainbowNode, to: centuryNode, at: 2, trigger: "Back" }
    )

    expect(graph.summary().traversals).toBe(2)
  })

  it("removes tags before adding them, and counts each distinct tag on live pages once", () => {
    const graph = graphOf(
      addCentury,
      addRainbow,
      { type: "UpdateNodeTags", nodeId: centuryNode, add: ["history", "time"], remove: [] },
      { type: "UpdateNodeTags", nodeId: rainbowNode, add: ["time", "optics"], remove: [] },
      { type: "UpdateNodeTags", nodeId: rainbowNode, add: ["optics"], remove: ["optics", "time"] }
    )

    expect(graph.summary().tags).toBe(3)
    expect([...graph.node(rainbowNode)!.tags]).toEqual(["optics"])
  })

  it("the workspace name is the last one set", () => {
    const graph = graphOf({ type: "SetWorkspaceName", name: "A" }, { type: "SetWorkspaceName", name: "Wikispeedia" })

    expect(graph.summary().name).toBe("Wikispeedia")
  })
})
