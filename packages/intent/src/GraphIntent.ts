/**
 * The edits a person makes to a workspace's graph, one intent each
 * (PROTOCOL.md §3.3): add or delete a page, retitle or retag it, link two
 * pages, record a traversal, move a page on the canvas, name the workspace.
 * An intent says what was meant, not how a graph stores it; `Graph` applies
 * it.
 *
 * Every intent is a JSON object discriminated on `type`. Unknown extra fields
 * are dropped on decode (forward compatibility); a missing or mistyped known
 * field is a schema error.
 *
 * Gotchas: lengths are counted in Unicode code points, not UTF-16 units or
 * UTF-8 bytes, so an emoji counts as one character, as a person would count
 * it.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Millis, NodeId } from "./Identifiers.ts"

// The limits of PROTOCOL.md §3.3. They bound what one intent can cost a
// receiver; a browser's longest practical URL is well under 8192.
const maxUrlLength = 8192
const maxTitleLength = 1024
const maxTagsPerUpdate = 64
const maxTagLength = 128
const maxWorkspaceNameLength = 256

const Title = Schema.String.check(Schema.isBetweenCodePoints(0, maxTitleLength))

/**
 * A tag on a node: 1 to 128 characters. The Wikispeedia data uses category
 * paths such as `Geography/African_Geography`; nothing in a tag is parsed.
 */
export const NodeTag = Schema.String.check(Schema.isBetweenCodePoints(1, maxTagLength))

/** A tag as decoded by {@link NodeTag}. */
export type NodeTag = typeof NodeTag.Type

const NodeTags = Schema.Array(NodeTag).check(Schema.isMaxLength(maxTagsPerUpdate))

/**
 * Why an edge exists: a link on the page (`Hyperlink`), the person put two
 * pages together (`UserGrouped`), or they followed one after the other
 * (`History`). Two pages may be joined by one edge of each kind.
 */
export const EdgeKind = Schema.Literals(["Hyperlink", "UserGrouped", "History"])

/** An edge kind as decoded by {@link EdgeKind}. */
export type EdgeKind = typeof EdgeKind.Type

/** How the person went from one page to the next in a traversal. */
export const TraversalTrigger = Schema.Literals(["LinkClick", "Back", "Forward", "AddressBar", "Other"])

/** A traversal trigger as decoded by {@link TraversalTrigger}. */
export type TraversalTrigger = typeof TraversalTrigger.Type

/**
 * A page enters the graph, or comes back after a `DeleteNode`. `title` is
 * optional: a page may be added before its title is known.
 */
export const AddNode = Schema.Struct({
  type: Schema.Literal("AddNode"),
  nodeId: NodeId,
  url: Schema.String.check(Schema.isBetweenCodePoints(1, maxUrlLength)),
  title: Schema.optionalKey(Title)
})

/** An `AddNode` intent. */
export type AddNode = typeof AddNode.Type

/** A page leaves the graph; it stays as a ghost, so a later `AddNode` revives it with its tags and position. */
export const DeleteNode = Schema.Struct({
  type: Schema.Literal("DeleteNode"),
  nodeId: NodeId
})

/** A `DeleteNode` intent. */
export type DeleteNode = typeof DeleteNode.Type

/** A page gets a new title; the empty string clears it. */
export const UpdateNodeTitle = Schema.Struct({
  type: Schema.Literal("UpdateNodeTitle"),
  nodeId: NodeId,
  title: Title
})

/** An `UpdateNodeTitle` intent. */
export type UpdateNodeTitle = typeof UpdateNodeTitle.Type

/**
 * Tags are taken off and put on a page: up to 64 of each per intent. Both
 * arrays are required, even when empty. `remove` is applied before `add`, so a
 * tag named in both ends up on the page.
 */
export const UpdateNodeTags = Schema.Struct({
  type: Schema.Literal("UpdateNodeTags"),
  nodeId: NodeId,
  add: NodeTags,
  remove: NodeTags
})

/** An `UpdateNodeTags` intent. */
export type UpdateNodeTags = typeof UpdateNodeTags.Type

const edgeFields = {
  from: NodeId,
  to: NodeId,
  kind: EdgeKind
}

/** Two pages are joined by an edge of a kind; adding one that exists changes nothing. */
export const AddEdge = Schema.Struct({
  type: Schema.Literal("AddEdge"),
  ...edgeFields
})

/** An `AddEdge` intent. */
export type AddEdge = typeof AddEdge.Type

/** The edge of that kind between two pages goes; removing one that does not exist changes nothing. */
export const RemoveEdge = Schema.Struct({
  type: Schema.Literal("RemoveEdge"),
  ...edgeFields
})

/** A `RemoveEdge` intent. */
export type RemoveEdge = typeof RemoveEdge.Type

/** The person went from one page to another at a time; traversals are history and only ever appended. */
export const AddTraversal = Schema.Struct({
  type: Schema.Literal("AddTraversal"),
  from: NodeId,
  to: NodeId,
  at: Millis,
  trigger: TraversalTrigger
})

/** An `AddTraversal` intent. */
export type AddTraversal = typeof AddTraversal.Type

/** A page is placed on the canvas at `x`, `y` (finite numbers; the canvas has no bounds). */
export const SetNodePosition = Schema.Struct({
  type: Schema.Literal("SetNodePosition"),
  nodeId: NodeId,
  x: Schema.Finite,
  y: Schema.Finite
})

/** A `SetNodePosition` intent. */
export type SetNodePosition = typeof SetNodePosition.Type

/** The workspace gets a display name of 1 to 256 characters; its id does not change. */
export const SetWorkspaceName = Schema.Struct({
  type: Schema.Literal("SetWorkspaceName"),
  name: Schema.String.check(Schema.isBetweenCodePoints(1, maxWorkspaceNameLength))
})

/** A `SetWorkspaceName` intent. */
export type SetWorkspaceName = typeof SetWorkspaceName.Type

/**
 * Any one of the nine intents, told apart by `type`. An object whose `type` is
 * none of them fails at the intent itself (path `…intent`), not at its `type`
 * field.
 */
export const GraphIntent = Schema.Union([
  AddNode,
  DeleteNode,
  UpdateNodeTitle,
  UpdateNodeTags,
  AddEdge,
  RemoveEdge,
  AddTraversal,
  SetNodePosition,
  SetWorkspaceName
]).annotate({ expected: "a graph intent of a known type" })

/** A graph intent as decoded by {@link GraphIntent}. */
export type GraphIntent = typeof GraphIntent.Type
