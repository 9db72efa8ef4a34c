/**
 * The error of opening and reading the sync log (`sync.db`): a file that is
 * not ours, damaged, of a newer or older schema, or that cannot be opened at
 * all. Writing a unit fails differently, with `LogWriteError` of
 * `@verse-sync/intent`, since the reducer's callers must tell it apart.
 *
 * Each failure is a `SyncLogError` whose `reason` says which kind it is, so a
 * caller can match on `reason._tag` (or use `Effect.catchReason`). Every
 * message is one line for a person: the file, what is wrong, and what to do.
 * A file refused for any of these reasons has not been changed.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** The file exists and is not a SQLite database at all (its first 16 bytes are not SQLite's header). */
export class NotADatabase extends Schema.TaggedError<NotADatabase>()("NotADatabase", {
  path: Schema.String
}) {
  override get message(): string {
    return `${this.path} is not a SQLite database, so not a verse-sync log; it was left untouched: ` +
      `move it away to start an empty log`
  }
}

/**
 * The file is a SQLite database of some other application: its `application_id`
 * is not verse-sync's, or it holds tables without verse-sync's marker.
 */
export class ForeignDatabase extends Schema.TaggedError<ForeignDatabase>()("ForeignDatabase", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path} is a SQLite database of another application (${this.detail}); it was left untouched: ` +
      `move it away to start an empty log`
  }
}

/** The log was written by a newer verse-sync, whose schema this one does not know. */
export class NewerSchema extends Schema.TaggedError<NewerSchema>()("NewerSchema", {
  path: Schema.String,
  version: Schema.Number,
  known: Schema.Number
}) {
  override get message(): string {
    return `${this.path} has schema version ${this.version}, newer than the ${this.known} this verse-sync knows; ` +
      `upgrade verse-sync`
  }
}

/**
 * The log has an older schema and was opened read-only, so it could not be
 * migrated. Opening it for writing (`verse-sync serve`) migrates it.
 */
export class OutdatedSchema extends Schema.TaggedError<OutdatedSchema>()("OutdatedSchema", {
  path: Schema.String,
  version: Schema.Number,
  current: Schema.Number
}) {
  override get message(): string {
    return `${this.path} has schema version ${this.version}, older than the current ${this.current}; ` +
      `start verse-sync serve once to migrate it`
  }
}

/** SQLite reports the file damaged, or a row of the log cannot be read back. */
export class Corrupt extends Schema.TaggedError<Corrupt>()("Corrupt", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path} is damaged (${this.detail}); restore it from a backup, or move it away to start an empty log`
  }
}

/** There is no log at that path (only when reading; opening for writing creates it). */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  path: Schema.String
}) {
  override get message(): string {
    return `there is no sync log at ${this.path}; check the data directory`
  }
}

/**
 * The file could not be opened, set up or migrated: permissions, a missing
 * directory, an I/O error, or the database locked by another process.
 */
export class OpenFailed extends Schema.TaggedError<OpenFailed>()("OpenFailed", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot open the sync log ${this.path} (${this.detail}); check its directory, permissions and free space`
  }
}

/**
 * A failure of opening or reading the sync log; `reason` says which one. Its
 * message is the reason's message.
 */
export class SyncLogError extends Schema.TaggedError<SyncLogError>()("SyncLogError", {
  reason: Schema.Union([NotADatabase, ForeignDatabase, NewerSchema, OutdatedSchema, Corrupt, NotFound, OpenFailed])
}) {
  override get message(): string {
    return this.reason.message
  }
}
