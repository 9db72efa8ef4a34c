/**
 * The in-memory graph of one workspace: its pages (nodes), the edges between
 * them, the traversals a person made, and the workspace's name. `apply`
 * changes it by one intent; `summary` counts what it holds. It knows nothing
 * of authors or sequences: the reducer decides which intents reach it and in
 * which order.
 *
 * Devices sync out of order, so nothing that arrives early is lost:
 *
 * - An edge or traversal may name pages that are not (yet) in the graph. It
 *   is kept as it came. An edge counts as live once both its pages are live;
 *   a traversal always counts, since it records history, not structure.
 * - A title, tag or position change for a page not yet added is kept on a
 *   placeholder, which becomes a live node when its `AddNode` arrives.
 * - `DeleteNode` leaves a ghost: the page stops counting, and so do its edges,
 *   but its title, tags, position and edges are kept, and a later `AddNode`
 *   revives all of it. Deleting an unknown page leaves a ghost too.
 *
 * Gotchas: intents are applied in the order they reach the graph, with no
 * conflict resolution between authors. Two devices that rename one page
 * concurrently end with whichever rename was applied last, and two acceptors
 * that receive them in different orders disagree. Nothing is ever freed:
 * ghosts, placeholders and edges to missing pages stay in memory for the life
 * of the graph.
 *
 * @since 0.1.0
 */
import type { EdgeKind, GraphIntent, TraversalTrigger } from "./GraphIntent.ts"
import type { Millis, NodeId } from "./Identifiers.ts"

/**
 * What the graph knows of one page. `url` is null until the page's `AddNode`
 * has been applied (a placeholder); `deleted` marks a ghost. A node is live
 * when it has a url and is not deleted.
 */
export interface GraphNode {
  readonly nodeId: NodeId
  readonly url: string | null
  readonly title: string | null
  readonly tags: ReadonlySet<string>
  readonly position: { readonly x: number; readonly y: number } | null
  readonly deleted: boolean
}

/** An edge, present until a `RemoveEdge` of the same pages and kind. */
export interface GraphEdge {
  readonly from: NodeId
  readonly to: NodeId
  readonly kind: EdgeKind
}

/** One recorded move from page to page. */
export interface GraphTraversal {
  readonly from: NodeId
  readonly to: NodeId
  readonly at: Millis
  readonly trigger: TraversalTrigger
}

/**
 * The counts of a graph. `nodes` and `edges` count live ones only (see the
 * module doc); `traversals` counts every traversal; `tags` is the number of
 * distinct tags on live nodes (a tag on three pages counts once), the size of
 * the vocabulary a person would browse by. `name` is null until a
 * `SetWorkspaceName`.
 */
export interface GraphSummary {
  readonly name: string | null
  readonly nodes: number
  readonly edges: number
  readonly traversals: number
  readonly tags: number
}

interface MutableNode {
  readonly nodeId: NodeId
  url: string | null
  title: string | null
  readonly tags: Set<string>
  position: { readonly x: number; readonly y: number } | null
  deleted: boolean
}

const isLive = (node: MutableNode | undefined): boolean => node !== undefined && node.url !== null && !node.deleted

const edgeKey = (from: NodeId, to: NodeId, kind: EdgeKind): string => `${from} ${to} ${kind}`

/**
 * The graph of one workspace, empty when made. It is a mutable object owned by
 * one reducer; `apply` never fails, so a unit whose sequences were checked is
 * applied whole.
 */
export class Graph {
  #name: string | null = null
  readonly #nodes = new Map<NodeId, MutableNode>()
  readonly #edges = new Map<string, GraphEdge>()
  readonly #traversals: Array<GraphTraversal> = []

  /** Applies one intent. Intents that change nothing (removing an absent edge, say) are accepted silently. */
  apply(intent: GraphIntent): void {
    switch (intent.type) {
      case "AddNode": {
        const node = this.#nodeOrPlaceholder(intent.nodeId)
        node.url = intent.url
        if (intent.title !== undefined) node.title = intent.title
        node.deleted = false
        return
      }
      case "DeleteNode": {
        this.#nodeOrPlaceholder(intent.nodeId).deleted = true
        return
      }
      case "UpdateNodeTitle": {
        this.#nodeOrPlaceholder(intent.nodeId).title = intent.title
        return
      }
      case "UpdateNodeTags": {
        const tags = this.#nodeOrPlaceholder(intent.nodeId).tags
        for (const tag of intent.remove) tags.delete(tag)
        for (const tag of intent.add) tags.add(tag)
        return
      }
      case "AddEdge": {
        const { from, to, kind } = intent
        this.#edges.set(edgeKey(from, to, kind), { from, to, kind })
        return
      }
      case "RemoveEdge": {
        this.#edges.delete(edgeKey(intent.from, intent.to, intent.kind))
        return
      }
      case "AddTraversal": {
        const { from, to, at, trigger } = intent
        this.#traversals.push({ from, to, at, trigger })
        return
      }
      case "SetNodePosition": {
        this.#nodeOrPlaceholder(intent.nodeId).position = { x: intent.x, y: intent.y }
        return
      }
      case "SetWorkspaceName": {
        this.#name = intent.name
        return
      }
    }
  }

  /** The page with this id, live, ghost or placeholder; undefined when no intent has named it. */
  node(nodeId: NodeId): GraphNode | undefined {
    return this.#nodes.get(nodeId)
  }

  /** Counts what the graph holds; it walks every node and edge, so it is for reports, not hot paths. */
  summary(): GraphSummary {
    let nodes = 0
    const tags = new Set<string>()
    for (const node of this.#nodes.values()) {
      if (!isLive(node)) continue
      nodes += 1
      for (const tag of node.tags) tags.add(tag)
    }
    let edges = 0
    for (const edge of this.#edges.values()) {
      if (isLive(this.#nodes.get(edge.from)) && isLive(this.#nodes.get(edge.to))) edges += 1
    }
    return { name: this.#name, nodes, edges, traversals: this.#traversals.length, tags: tags.size }
  }

  #nodeOrPlaceholder(nodeId: NodeId): MutableNode {
    let node = this.#nodes.get(nodeId)
    if (node === undefined) {
      node = { nodeId, url: null, title: null, tags: new Set(), position: null, deleted: false }
      this.#nodes.set(nodeId, node)
    }
    return node
  }
}
