/**
 * The service that takes checked units of intents and applies them to the
 * graphs of their workspaces, exactly once each (PROTOCOL.md §3.3). Sessions
 * call `submit` and answer their peer with what it returns: an Ack with the
 * counts and the new version vector, or a Reject on a `SequenceGapError`.
 *
 * One consumer fiber applies every unit, in the order they were submitted,
 * from a bounded queue. That makes the check of a unit's sequences and its
 * application one step no other submit can interleave with, even when two
 * sessions of one peer submit at once. When the queue is full, `submit` waits;
 * nothing is dropped, and sessions stop reading their streams meanwhile.
 *
 * The memory implementation here keeps one `Graph` per workspace and forgets
 * everything when its layer is released. A durable reducer is the same one
 * given a `ReducerLog` (`packages/sync-log` has one): each unit's new intents
 * are written to the log before they are applied, and the graphs are rebuilt
 * from the log when the reducer starts.
 *
 * @since 0.1.0
 */
import { Context, Deferred, Effect, Exit, Layer, Queue, Schema, type Scope } from "effect"
import { Graph } from "./Graph.ts"
import { EndpointId, Sequence, shortId, WorkspaceId } from "./Identifiers.ts"
import type { SyncedIntent } from "./SyncedIntent.ts"
import { emptyVersionVector, sequenceOf, type VersionVector, withSequence } from "./VersionVector.ts"

/**
 * A unit would leave a hole in an author's history: its first new intent is
 * not the one after the workspace's version vector entry, or its sequences do
 * not rise by exactly one. Nothing of the unit was applied; the session
 * answers Reject with code `SequenceGap` and this error's message.
 */
export class SequenceGapError extends Schema.TaggedError<SequenceGapError>()("SequenceGapError", {
  author: EndpointId,
  expected: Sequence,
  got: Sequence
}) {
  override get message(): string {
    return `author ${shortId(this.author)}: expected sequence ${this.expected}, got ${this.got}`
  }
}

/**
 * A durable reducer could not write a unit to its log: the disk is full, the
 * database is locked by another process, an I/O error. Nothing of the unit was
 * applied and the reducer goes on with the next one. The session must not Ack
 * the unit; a later resend may succeed. The memory reducer never fails with it.
 */
export class LogWriteError extends Schema.TaggedError<LogWriteError>()("LogWriteError", {
  workspaceId: WorkspaceId,
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot write a unit of workspace ${this.workspaceId} to the sync log (${this.detail}); nothing was applied`
  }
}

/**
 * What became of a submitted unit: how many intents were applied, how many
 * were already applied before (and skipped), and the workspace's version
 * vector afterwards, for the Ack.
 */
export interface SubmitResult {
  readonly applied: number
  readonly duplicates: number
  readonly versionVector: VersionVector
}

/**
 * The counts of one workspace for reports: `intents` is how many were applied
 * to it; the rest is its graph's `GraphSummary`.
 */
export interface WorkspaceSummary {
  readonly workspaceId: WorkspaceId
  readonly name: string | null
  readonly intents: number
  readonly nodes: number
  readonly edges: number
  readonly traversals: number
  readonly tags: number
}

/** Options of the memory layer. */
export interface MemoryOptions {
  /** Units that may wait to be applied before `submit` waits too; default 64. */
  readonly queueCapacity?: number
}

/**
 * The intents of one unit that a durable reducer is about to apply: only the
 * new ones (duplicates are not logged again), in the unit's order, with the
 * peer the unit came from.
 */
export interface LoggedUnit {
  readonly workspaceId: WorkspaceId
  readonly from: EndpointId
  readonly intents: ReadonlyArray<SyncedIntent>
}

/**
 * Where a durable reducer keeps what it applied. `replay` hands every logged
 * intent to `restore`, in log order, once, when the reducer starts; it fails
 * with the log's own error `E`. `append` writes one unit whole or not at all,
 * and succeeds only once the unit is durable: the reducer applies the unit
 * after that, and not at all if it fails.
 */
export interface ReducerLog<E> {
  readonly replay: (restore: (workspaceId: WorkspaceId, intent: SyncedIntent) => void) => Effect.Effect<void, E>
  readonly append: (unit: LoggedUnit) => Effect.Effect<void, LogWriteError>
}

// DESIGN.md "Defaults": 64 units of at most 1000 intents bounds what waits in
// memory at 64,000 intents, room for 8 sessions with 8 units in flight each.
const defaultQueueCapacity = 64

interface Job {
  readonly workspaceId: WorkspaceId
  readonly from: EndpointId
  readonly intents: ReadonlyArray<SyncedIntent>
  readonly done: Deferred.Deferred<SubmitResult, SequenceGapError | LogWriteError>
}

interface Workspace {
  readonly graph: Graph
  versionVector: VersionVector
  intents: number
}

interface AuthorProgress {
  // The author's version vector entry before the unit.
  readonly applied: number
  // The author's last sequence seen in the unit so far.
  last: number
}

/**
 * Checks a unit's sequences against a version vector, without changing
 * anything: per author, the first intent may be at most one past the vector's
 * entry (anything at or below it is a duplicate), and each next one must be
 * exactly one more than the last. Returns the progress of each author, or the
 * first gap found.
 */
const checkSequences = (
  versionVector: VersionVector,
  intents: ReadonlyArray<SyncedIntent>
): Map<EndpointId, AuthorProgress> | SequenceGapError => {
  const progress = new Map<EndpointId, AuthorProgress>()
  for (const { authoredBy: author, sequence } of intents) {
    const seen = progress.get(author)
    if (seen === undefined) {
      const applied = sequenceOf(versionVector, author)
      if (sequence > applied + 1) {
        return new SequenceGapError({ author, expected: applied + 1, got: sequence })
      }
      progress.set(author, { applied, last: sequence })
    } else if (sequence === seen.last + 1) {
      seen.last = sequence
    } else {
      return new SequenceGapError({ author, expected: seen.last + 1, got: sequence })
    }
  }
  return progress
}

const workspaceOf = (workspaces: Map<WorkspaceId, Workspace>, workspaceId: WorkspaceId): Workspace => {
  let workspace = workspaces.get(workspaceId)
  if (workspace === undefined) {
    workspace = { graph: new Graph(), versionVector: emptyVersionVector, intents: 0 }
    workspaces.set(workspaceId, workspace)
  }
  return workspace
}

/**
 * Applies one unit to its workspace, whole or not at all: the sequences are
 * checked first, then the new intents are written to the log (when there is
 * one), and only then applied, since `Graph.apply` cannot fail. Creates the
 * workspace on its first unit.
 */
const applyUnit = (
  workspaces: Map<WorkspaceId, Workspace>,
  log: ReducerLog<unknown> | undefined,
  job: Job
): Effect.Effect<SubmitResult, SequenceGapError | LogWriteError> => {
  const versionVector = workspaces.get(job.workspaceId)?.versionVector ?? emptyVersionVector
  const checked = checkSequences(versionVector, job.intents)
  if (checked instanceof SequenceGapError) return Exit.fail(checked)

  const fresh = job.intents.filter(({ authoredBy, sequence }) => sequence > checked.get(authoredBy)!.applied)
  const logged = log === undefined || fresh.length === 0
    ? Effect.void
    : log.append({ workspaceId: job.workspaceId, from: job.from, intents: fresh })

  return Effect.map(logged, () => {
    const workspace = workspaceOf(workspaces, job.workspaceId)
    for (const { intent } of fresh) workspace.graph.apply(intent)
    for (const [author, { applied: before, last }] of checked) {
      if (last > before) workspace.versionVector = withSequence(workspace.versionVector, author, last)
    }
    workspace.intents += fresh.length
    return {
      applied: fresh.length,
      duplicates: job.intents.length - fresh.length,
      versionVector: workspace.versionVector
    }
  })
}

/**
 * Rebuilds the workspaces from what `log` holds, in log order. Version vector
 * entries are collected in maps and set once at the end, because `withSequence`
 * copies the vector and a log holds one entry per intent.
 */
const restoreFrom = <E>(log: ReducerLog<E>, workspaces: Map<WorkspaceId, Workspace>): Effect.Effect<void, E> => {
  const highest = new Map<Workspace, Map<EndpointId, number>>()
  const restore = (workspaceId: WorkspaceId, { authoredBy, sequence, intent }: SyncedIntent): void => {
    const workspace = workspaceOf(workspaces, workspaceId)
    workspace.graph.apply(intent)
    workspace.intents += 1
    let authors = highest.get(workspace)
    if (authors === undefined) highest.set(workspace, authors = new Map())
    // The log holds each author's intents in rising order, so the last one seen is the highest.
    authors.set(authoredBy, sequence)
  }
  return Effect.map(log.replay(restore), () => {
    for (const [workspace, authors] of highest) workspace.versionVector = Object.fromEntries(authors)
  })
}

const makeReducer = Effect.fnUntraced(function*<E>(
  options: MemoryOptions,
  log: ReducerLog<E> | undefined
): Effect.fn.Return<GraphIntentReducer["Service"], E, Scope.Scope> {
  const capacity = options.queueCapacity ?? defaultQueueCapacity
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    return yield* Effect.die(
      new RangeError(`GraphIntentReducer: queueCapacity must be a positive integer, got ${capacity}`)
    )
  }
  const workspaces = new Map<WorkspaceId, Workspace>()
  if (log !== undefined) yield* restoreFrom(log, workspaces)
  const jobs = yield* Queue.bounded<Job>(capacity)
  const closed = yield* Deferred.make<void>()

  // Registered before the consumer is forked, so it runs after the consumer
  // has been interrupted: no unit is applied any more, and a submit still
  // waiting (to enqueue, or for a unit that will never be taken) is
  // interrupted instead of waiting forever.
  yield* Effect.addFinalizer(() => Effect.andThen(Deferred.succeed(closed, undefined), Queue.shutdown(jobs)))

  // A taken job is applied and answered even if the layer is being released:
  // only the wait for the next job is interruptible. A defect while applying
  // (a bug) fails that one submit; the consumer goes on with the next job.
  const applyNext = Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(
      restore(Queue.take(jobs)),
      (job) => Deferred.complete(job.done, Effect.suspend(() => applyUnit(workspaces, log, job)))
    )
  )
  yield* Effect.forkScoped(Effect.forever(applyNext))

  const whenClosed = Effect.andThen(Deferred.await(closed), Effect.interrupt)

  const submit = Effect.fn("GraphIntentReducer.submit")(function*(
    workspaceId: WorkspaceId,
    from: EndpointId,
    intents: ReadonlyArray<SyncedIntent>
  ): Effect.fn.Return<SubmitResult, SequenceGapError | LogWriteError> {
    yield* Effect.annotateCurrentSpan({ workspaceId, from: shortId(from), intents: intents.length })
    const done = yield* Deferred.make<SubmitResult, SequenceGapError | LogWriteError>()
    const enqueued = yield* Queue.offer(jobs, { workspaceId, from, intents, done })
    if (!enqueued) return yield* Effect.interrupt
    return yield* Effect.raceFirst(Deferred.await(done), whenClosed)
  })

  const versionVector = (workspaceId: WorkspaceId): Effect.Effect<VersionVector> =>
    Effect.sync(() => workspaces.get(workspaceId)?.versionVector ?? emptyVersionVector)

  const summaries = Effect.sync((): ReadonlyArray<WorkspaceSummary> =>
    Array.from(workspaces, ([workspaceId, { graph, intents }]) => ({ workspaceId, intents, ...graph.summary() }))
  )

  return GraphIntentReducer.of({ versionVector, submit, pending: Queue.size(jobs), capacity, summaries })
})

/**
 * The graph intent reducer service. See the module doc for how units are
 * applied.
 *
 * - `versionVector(workspace)`: the workspace's vector now; empty for a
 *   workspace that has received nothing.
 * - `submit(workspace, from, intents)`: applies a unit from peer `from` and
 *   resolves once it is applied (and logged, for a durable reducer), or fails
 *   with `SequenceGapError` or `LogWriteError` having applied nothing. It
 *   waits while the queue is full and can be interrupted then. Once the unit
 *   is queued it is applied whole even if the caller is interrupted meanwhile
 *   (the caller then does not learn the counts; a resend reports the intents
 *   as duplicates). It does not check that `from` wrote the intents, nor the
 *   size of the unit: the session does.
 * - `pending`: units queued and not yet taken, and `capacity`, the queue's
 *   size: `pending === capacity` means the next `submit` will wait.
 * - `summaries`: the counts of every workspace, in the order they were first
 *   written to.
 */
export class GraphIntentReducer extends Context.Service<GraphIntentReducer, {
  readonly versionVector: (workspace: WorkspaceId) => Effect.Effect<VersionVector>
  readonly submit: (
    workspace: WorkspaceId,
    from: EndpointId,
    intents: ReadonlyArray<SyncedIntent>
  ) => Effect.Effect<SubmitResult, SequenceGapError | LogWriteError>
  readonly pending: Effect.Effect<number>
  readonly capacity: number
  readonly summaries: Effect.Effect<ReadonlyArray<WorkspaceSummary>>
}>()("verse-sync/GraphIntentReducer") {
  /**
   * The memory reducer with `options`. Its consumer fiber lives in the
   * layer's scope; releasing the layer stops it, answers nothing more, and
   * interrupts the submits still waiting.
   */
  static readonly layerMemoryWith = (options: MemoryOptions): Layer.Layer<GraphIntentReducer> =>
    Layer.effect(GraphIntentReducer, makeReducer(options, undefined))

  /** The memory reducer with the default queue of 64 units. */
  static readonly layerMemory: Layer.Layer<GraphIntentReducer> = GraphIntentReducer.layerMemoryWith({})

  /**
   * A durable reducer over `log`, for a layer that opens the log first: it
   * replays the log into its graphs (failing with the log's error if that
   * fails), then serves as the memory reducer does, writing each unit's new
   * intents to the log before applying them. Its consumer lives in the scope.
   */
  static readonly makeLogged = <E>(
    log: ReducerLog<E>,
    options: MemoryOptions = {}
  ): Effect.Effect<GraphIntentReducer["Service"], E, Scope.Scope> => makeReducer(options, log)
}
