/**
 * How a workspace's graph is reported to a person and to a tool: `serve`
 * prints it for every workspace when it stops, `graph` reads it from the
 * sync log. Both print the same line and the same counts.
 */
import type { WorkspaceSummary } from "@verse-sync/intent"

/**
 * One line: `workspace default "Wikispeedia": 4061 nodes, 31493 edges,
 * 104420 traversals, 128 tags, 144035 intents`; `(unnamed)` for a workspace
 * no intent has named.
 */
export const line = (summary: WorkspaceSummary): string => {
  const name = summary.name === null ? "(unnamed)" : JSON.stringify(summary.name)
  return `workspace ${summary.workspaceId} ${name}: ${summary.nodes} nodes, ${summary.edges} edges, ` +
    `${summary.traversals} traversals, ${summary.tags} tags, ${summary.intents} intents`
}

/** The name and the counts, for a JSON record: `name` is `null` for an unnamed workspace. */
export const counts = (summary: WorkspaceSummary) => ({
  name: summary.name,
  intents: summary.intents,
  nodes: summary.nodes,
  edges: summary.edges,
  traversals: summary.traversals,
  tags: summary.tags
})
