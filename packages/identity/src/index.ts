/**
 * `@verse-sync/identity`: this device's key pair, the trust store of
 * `TrustedPeer`s, and the `IdentityRegistry` service with its file-backed
 * and in-memory layers.
 */
export { resolveDataDirectory } from "./DataDirectory.ts"
export { DataDirectoryLocked, DataDirectoryLockFailed, lockDataDirectory, lockFileName } from "./DataDirectoryLock.ts"
export {
  IdentityError,
  InvalidPeer,
  KeyMalformed,
  KeyUnreadable,
  TrustStoreCorrupt,
  TrustStoreUnreadable,
  WriteFailed
} from "./IdentityError.ts"
export { IdentityRegistry } from "./IdentityRegistry.ts"
export { Revoked, TrustChange, Trusted } from "./TrustChange.ts"
export { Access, canWrite, Grants, Role, TrustedPeer, TrustRequest } from "./TrustedPeer.ts"
