/**
 * `@verse-sync/sync-worker`: the graphshell-sync/1 protocol (frames,
 * messages, close codes, unit validation), the iroh transport, the per-peer
 * session, and the supervised `SyncWorker` with `SyncState`, `Diagnostics`
 * and `ControlPanel`. The test harness is `@verse-sync/sync-worker/testing`.
 */
export * from "./CloseCode.ts"
export * from "./ControlPanel.ts"
export * from "./Diagnostics.ts"
export * from "./Frame.ts"
export * as FrameStream from "./FrameStream.ts"
export * from "./Limits.ts"
export * as Message from "./Message.ts"
export * as SyncClient from "./SyncClient.ts"
export * as SyncState from "./SyncState.ts"
export { SyncState as SyncStateService } from "./SyncState.ts"
export * from "./SyncWorker.ts"
export * as SyncWorkerConfig from "./SyncWorkerConfig.ts"
export * as Transport from "./Transport.ts"
export * from "./UnitValidation.ts"
