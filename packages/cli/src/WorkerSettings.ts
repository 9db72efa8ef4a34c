/**
 * The settings of `serve`'s SyncWorker as flags: one for every number of
 * `SyncWorkerConfig` (its doc says why each default is what it is), named
 * like its `VERSE_SYNC_…` variable. A flag wins over the variable, the
 * variable over the default; `SyncWorkerConfig.load` reads the variables.
 *
 * The flags are checked against `SyncWorkerConfig` by type: a setting added
 * there without a flag here does not compile.
 */
import { SyncWorkerConfig, type SyncWorkerOptions } from "@verse-sync/sync-worker"
import { Option } from "effect"
import type { Flag } from "effect/cli"
import * as NumberFlag from "./NumberFlag.ts"

const defaults = SyncWorkerConfig.defaultConfig

type NumericSetting = SyncWorkerConfig.NumericSetting

/** A flag for every number of `SyncWorkerConfig`. */
export const flags = {
  maxSessions: NumberFlag.optional("max-sessions", "Live sessions in all", defaults.maxSessions),
  maxSessionsPerPeer: NumberFlag.optional(
    "max-sessions-per-peer",
    "Live sessions of one peer; one more supersedes the oldest",
    defaults.maxSessionsPerPeer
  ),
  handshakeTimeoutMs: NumberFlag.optional(
    "handshake-timeout-ms",
    "Time from a connection arriving to its Hello",
    defaults.handshakeTimeoutMs
  ),
  idleTimeoutMs: NumberFlag.optional("idle-timeout-ms", "An idle session is closed after this", defaults.idleTimeoutMs),
  maxFrameBytes: NumberFlag.optional("max-frame-bytes", "The largest frame a peer may send", defaults.maxFrameBytes),
  maxInflatedBytes: NumberFlag.optional(
    "max-inflated-bytes",
    "The most a compressed frame may inflate to",
    defaults.maxInflatedBytes
  ),
  maxHelloBytes: NumberFlag.optional(
    "max-hello-bytes",
    "The largest frame a peer may send before its Hello",
    defaults.maxHelloBytes
  ),
  maxBatchIntents: NumberFlag.optional("max-batch-intents", "The most intents in one unit", defaults.maxBatchIntents),
  maxInFlight: NumberFlag.optional("max-in-flight", "Units a peer may have unanswered", defaults.maxInFlight),
  maxPendingRefusals: NumberFlag.optional(
    "max-pending-refusals",
    "Connections past the session limit handshaken at once to be told code 5; more are refused without a code",
    defaults.maxPendingRefusals
  ),
  strangerReportWindowMs: NumberFlag.optional(
    "stranger-report-window-ms",
    "Repeated refusals of one stranger are reported together once per this window",
    defaults.strangerReportWindowMs
  ),
  maxStrangers: NumberFlag.optional(
    "max-strangers",
    "Refused strangers remembered and listed in SyncState",
    defaults.maxStrangers
  ),
  flappingThreshold: NumberFlag.optional(
    "flapping-threshold",
    "Replacements of a peer's own session within the flapping window that start a cool-down",
    defaults.flappingThreshold
  ),
  flappingWindowMs: NumberFlag.optional(
    "flapping-window-ms",
    "The window in which a peer's session replacements are counted",
    defaults.flappingWindowMs
  ),
  flappingCoolDownMs: NumberFlag.optional(
    "flapping-cool-down-ms",
    "While it lasts, new sessions of a flapping peer are refused (code 7)",
    defaults.flappingCoolDownMs
  ),
  readChunkBytes: NumberFlag.optional(
    "read-chunk-bytes",
    "The most bytes one read from a session stream takes",
    defaults.readChunkBytes
  )
} as const satisfies Record<NumericSetting, Flag.Flag<Option.Option<number>>>

/** The values of the flags, as the command line gave them. */
export type Settings = { -readonly [Key in NumericSetting]: Option.Option<number> }

/**
 * The worker's options from `--bind` and the setting flags given; the rest
 * come from `VERSE_SYNC_…` or the defaults.
 */
export const workerOptions = (bind: Option.Option<string>, settings: Settings): SyncWorkerOptions => {
  const options: {
    -readonly [Key in keyof SyncWorkerConfig.SyncWorkerConfig]?: SyncWorkerConfig.SyncWorkerConfig[Key]
  } = {}
  if (Option.isSome(bind)) options.bindAddress = bind.value
  for (const key of Object.keys(settings) as Array<NumericSetting>) {
    const value = settings[key]
    if (Option.isSome(value)) options[key] = value.value
  }
  return options
}
