/**
 * The test harness of `@verse-sync/sync-worker`: a `TestPeer` that speaks (and
 * breaks) the protocol over loopback iroh, and a `TestWorker` layer with an
 * in-memory trust store and reducer.
 */
export * as TestPeer from "./TestPeer.ts"
export * as TestWorker from "./TestWorker.ts"
export * as Vectors from "./Vectors.ts"
