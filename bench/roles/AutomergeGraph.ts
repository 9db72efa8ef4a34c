/**
 * The history as what a user would pick instead of verse-sync: one Automerge
 * document holding a workspace's graph, edited by the same intents, one
 * Automerge change a unit of 1000 intents (as verse-sync applies them).
 *
 * The document mirrors `Graph` of `@verse-sync/intent`: pages by node id
 * (url, title, tags, position, deleted), edges by `from to kind`, the
 * traversals as a list, and the workspace's name.
 */
import * as Automerge from "@automerge/automerge"
import type { GraphIntent } from "@verse-sync/intent"

/** A page of the document. */
export interface PageDoc {
  url: string | null
  title: string | null
  tags: Array<string>
  position: { x: number; y: number } | null
  deleted: boolean
}

/** The document: one workspace's graph. */
export type GraphDoc = {
  name: string | null
  nodes: { [nodeId: string]: PageDoc }
  edges: { [key: string]: { from: string; to: string; kind: string } }
  traversals: Array<{ from: string; to: string; at: number; trigger: string }>
}

const page = (doc: GraphDoc, nodeId: string): PageDoc => {
  doc.nodes[nodeId] ??= { url: null, title: null, tags: [], position: null, deleted: false }
  return doc.nodes[nodeId]!
}

/** Applies one intent to the document being changed, as `Graph.apply` does to a graph. */
const apply = (doc: GraphDoc, intent: GraphIntent): void => {
  switch (intent.type) {
    case "AddNode": {
      const existing = doc.nodes[intent.nodeId]
      if (existing === undefined) {
        doc.nodes[intent.nodeId] = {
          url: intent.url,
          title: intent.title ?? null,
          tags: [],
          position: null,
          deleted: false
        }
        return
      }
      existing.url = intent.url
      if (intent.title !== undefined) existing.title = intent.title
      existing.deleted = false
      return
    }
    case "DeleteNode":
      page(doc, intent.nodeId).deleted = true
      return
    case "UpdateNodeTitle":
      page(doc, intent.nodeId).title = intent.title
      return
    case "UpdateNodeTags": {
      const tags = page(doc, intent.nodeId).tags
      for (const tag of intent.remove) {
        const at = tags.indexOf(tag)
        if (at !== -1) tags.splice(at, 1)
      }
      for (const tag of intent.add) if (!tags.includes(tag)) tags.push(tag)
      return
    }
    case "AddEdge":
      doc.edges[`${intent.from} ${intent.to} ${intent.kind}`] = { from: intent.from, to: intent.to, kind: intent.kind }
      return
    case "RemoveEdge":
      delete doc.edges[`${intent.from} ${intent.to} ${intent.kind}`]
      return
    case "AddTraversal":
      doc.traversals.push({ from: intent.from, to: intent.to, at: intent.at, trigger: intent.trigger })
      return
    case "SetNodePosition":
      page(doc, intent.nodeId).position = { x: intent.x, y: intent.y }
      return
    case "SetWorkspaceName":
      doc.name = intent.name
      return
  }
}

/**
 * The whole history as one document, a change per `unitSize` intents. Within
 * a change, traversals are appended in one `push` (Automerge's proxies cost
 * about a third of a millisecond per call): the same operations, in the same
 * order, as pushing them one by one.
 */
export const build = (intents: ReadonlyArray<GraphIntent>, unitSize: number): Automerge.Doc<GraphDoc> => {
  let doc = Automerge.from<GraphDoc>({ name: null, nodes: {}, edges: {}, traversals: [] })
  for (let start = 0; start < intents.length; start += unitSize) {
    doc = Automerge.change(doc, (draft) => {
      const traversals: GraphDoc["traversals"] = []
      for (const intent of intents.slice(start, start + unitSize)) {
        if (intent.type === "AddTraversal") {
          traversals.push({ from: intent.from, to: intent.to, at: intent.at, trigger: intent.trigger })
        } else {
          apply(draft, intent)
        }
      }
      if (traversals.length > 0) draft.traversals.push(...traversals)
    })
  }
  return doc
}
