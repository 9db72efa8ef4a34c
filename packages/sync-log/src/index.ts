/**
 * `@verse-sync/sync-log`: the durable sync log in SQLite (`sync.db`), the
 * `GraphIntentReducer` that applies what it holds, and a read-only summary
 * of a log for reports.
 *
 * @since 0.1.0
 */
export { type LogSummary, readSummary } from "./LogSummary.ts"
export { type DurableReducerOptions, type Synchronous, SyncLog, type SyncLogOptions } from "./SyncLog.ts"
export {
  Corrupt,
  ForeignDatabase,
  NewerSchema,
  NotADatabase,
  NotFound,
  OpenFailed,
  OutdatedSchema,
  SyncLogError
} from "./SyncLogError.ts"
