/**
 * `@verse-sync/intent`: the domain of verse-sync. The schemas of what peers
 * send (identifiers, graph intents, synced intents, sync units, version
 * vectors), the in-memory `Graph` of a workspace, and the
 * `GraphIntentReducer` service that applies units to it.
 *
 * @since 0.1.0
 */
export { Graph, type GraphEdge, type GraphNode, type GraphSummary, type GraphTraversal } from "./Graph.ts"
export {
  AddEdge,
  AddNode,
  AddTraversal,
  DeleteNode,
  EdgeKind,
  GraphIntent,
  NodeTag,
  RemoveEdge,
  SetNodePosition,
  SetWorkspaceName,
  TraversalTrigger,
  UpdateNodeTags,
  UpdateNodeTitle
} from "./GraphIntent.ts"
export {
  GraphIntentReducer,
  type LoggedUnit,
  LogWriteError,
  type MemoryOptions,
  type ReducerLog,
  SequenceGapError,
  type SubmitResult,
  type WorkspaceSummary
} from "./GraphIntentReducer.ts"
export { EndpointId, Millis, NodeId, Sequence, shortId, WorkspaceId } from "./Identifiers.ts"
export { describeIssue, type FirstIssue, firstIssue } from "./SchemaIssues.ts"
export { SyncedIntent } from "./SyncedIntent.ts"
export { decodeSyncUnit, type InvalidUnitIssue, SyncUnit } from "./SyncUnit.ts"
export { emptyVersionVector, sequenceOf, VersionVector, withSequence } from "./VersionVector.ts"
