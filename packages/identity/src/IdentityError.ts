/**
 * The one error type of `@verse-sync/identity`: everything that can go wrong
 * reading or writing this device's key and trust store, or trusting a peer.
 *
 * Each failure is an `IdentityError` whose `reason` says which kind it is, so a
 * caller can match on `reason._tag` (or use `Effect.catchReason`). Every
 * message is one line for a person: the file involved and what to do about it.
 */
import { Schema } from "effect"

/**
 * The key file exists but could not be read (permissions, I/O error). The
 * file was left as it is.
 */
export class KeyUnreadable extends Schema.TaggedError<KeyUnreadable>()("KeyUnreadable", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot read the identity key ${this.path} (${this.detail}); check its owner and permissions`
  }
}

/**
 * The key file is not exactly 64 lowercase hex characters and a newline. It is
 * refused, never repaired or replaced: replacing it would change this device's
 * endpoint id and every peer would stop recognising it.
 */
export class KeyMalformed extends Schema.TaggedError<KeyMalformed>()("KeyMalformed", {
  path: Schema.String
}) {
  override get message(): string {
    return `the identity key ${this.path} is not 64 hex characters and a newline; restore it from a backup, ` +
      `or move it away to create a new identity (this changes the endpoint id)`
  }
}

/**
 * The trust store exists but could not be read (permissions, I/O error). The
 * file was left as it is.
 */
export class TrustStoreUnreadable extends Schema.TaggedError<TrustStoreUnreadable>()("TrustStoreUnreadable", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot read the trust store ${this.path} (${this.detail}); check its owner and permissions`
  }
}

/**
 * The trust store is not a valid `{"version":1,"peers":[...]}` document. It is
 * refused and never overwritten, so a hand edit gone wrong loses nothing.
 */
export class TrustStoreCorrupt extends Schema.TaggedError<TrustStoreCorrupt>()("TrustStoreCorrupt", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `the trust store ${this.path} is corrupt (${this.detail}); fix or restore it, ` +
      `or move it away to start with no trusted peers`
  }
}

/**
 * Writing a file (or creating the data directory) failed. Whatever was there
 * before is still there: writes go to a temporary file that is renamed into
 * place only once complete.
 */
export class WriteFailed extends Schema.TaggedError<WriteFailed>()("WriteFailed", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot write ${this.path} (${this.detail}); check that its directory is writable and the disk is not full`
  }
}

/**
 * A peer given to `trust` is not valid: a malformed endpoint id, workspace id,
 * role or access level. Nothing was written.
 */
export class InvalidPeer extends Schema.TaggedError<InvalidPeer>()("InvalidPeer", {
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot trust this peer: ${this.detail}`
  }
}

/**
 * A failure of the identity registry or of the files behind it; `reason` says
 * which one. Its message is the reason's message.
 */
export class IdentityError extends Schema.TaggedError<IdentityError>()("IdentityError", {
  reason: Schema.Union([KeyUnreadable, KeyMalformed, TrustStoreUnreadable, TrustStoreCorrupt, WriteFailed, InvalidPeer])
}) {
  override get message(): string {
    return this.reason.message
  }
}
