/**
 * The settings of a SyncWorker, every one with a name, a default, and the
 * reason for its number. Each can be set by an Effect `Config` key (read from
 * the environment as `VERSE_SYNC_…`) and by a flag of the command, which
 * passes its value here.
 */
import { Config, Data, Effect, Schema } from "effect"
import { defaultLimits, type Limits } from "./Limits.ts"

/** Everything the worker and its sessions are configured by. */
export interface SyncWorkerConfig extends Limits {
  /** Where the endpoint binds, `host:port`. */
  readonly bindAddress: string
  /** Live sessions in all, handshaking ones included. */
  readonly maxSessions: number
  /** Live sessions of one peer; one more supersedes the oldest (close code 7). */
  readonly maxSessionsPerPeer: number
  /** From a connection arriving to its Hello being read (close code 4). */
  readonly handshakeTimeoutMs: number
  /** With no unit in flight and no frame read for this long, a session is closed (code 0). */
  readonly idleTimeoutMs: number
  /** The largest frame accepted before Hello: a peer not yet introduced gets little buffer. */
  readonly maxHelloBytes: number
  /** Connections past the session limit that may be mid-handshake at once to be told "overloaded" (code 5). */
  readonly maxPendingRefusals: number
  /** The most bytes a session stream may read in one call into the binding. */
  readonly readChunkBytes: number
  /** Repeated refusals of one stranger are reported together once per this window. */
  readonly strangerReportWindowMs: number
  /** How many strangers are remembered (and listed in SyncState). */
  readonly maxStrangers: number
  /** This many replacements of a peer's own session within the window start a cool-down. */
  readonly flappingThreshold: number
  readonly flappingWindowMs: number
  /** While it lasts, a new session of the flapping peer is refused (code 7) instead of replacing the live one. */
  readonly flappingCoolDownMs: number
}

/**
 * The defaults of DESIGN.md.
 *
 * - `bindAddress` `0.0.0.0:0`: every local interface, a free port (the ticket
 *   carries it); a fixed port is for firewalls and is a flag away.
 * - `maxSessions` 64 and `maxSessionsPerPeer` 2: a person's devices and a few
 *   friends fit many times over, while a session costs a fiber, a decoder and
 *   up to one frame of buffer, so 64 bounds that memory.
 * - `handshakeTimeoutMs` 10 s: a peer on a local network completes TLS and
 *   sends Hello in milliseconds; ten seconds forgives a busy device but frees
 *   a stalled or hostile one's slot soon.
 * - `idleTimeoutMs` 60 s: long enough to keep a session across a pause of a
 *   person's browsing, short enough that forgotten sessions do not pile up.
 * - `maxHelloBytes` 64 KiB: a Hello is a few hundred bytes even with 64
 *   workspaces of 128 characters (about 9 KiB); a peer that has not said who it
 *   is yet gets no more buffer than that.
 * - `maxPendingRefusals` 16: past the session limit, a connection is told
 *   "overloaded" (code 5), which costs a TLS handshake; beyond 16 such
 *   handshakes at once, connections are refused at the QUIC level instead,
 *   without a code, so a flood cannot buy handshakes.
 * - `readChunkBytes` 256 KiB: the binding allocates the full size on every
 *   read, so reads are sized to what a busy stream delivers at once rather
 *   than to the largest frame.
 * - `strangerReportWindowMs` 60 s and `maxStrangers` 32: a stranger knocking
 *   every second costs one line a minute, and the list a person reviews stays
 *   short; the oldest stranger is forgotten first.
 * - `flappingThreshold` 6 within `flappingWindowMs` 60 s, then
 *   `flappingCoolDownMs` 30 s: a device that reconnects after a network change
 *   replaces its session once or twice; six times a minute is two devices
 *   fighting over one key, and thirty seconds of quiet lets one of them sync.
 */
export const defaultConfig: SyncWorkerConfig = {
  ...defaultLimits,
  bindAddress: "0.0.0.0:0",
  maxSessions: 64,
  maxSessionsPerPeer: 2,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxHelloBytes: 64 * 1024,
  maxPendingRefusals: 16,
  readChunkBytes: 256 * 1024,
  strangerReportWindowMs: 60_000,
  maxStrangers: 32,
  flappingThreshold: 6,
  flappingWindowMs: 60_000,
  flappingCoolDownMs: 30_000
}

/** Every number of the settings is a count, a size or a duration: zero or less is a mistake. */
const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))

/** The settings that are numbers: all but the bind address. */
export type NumericSetting = Exclude<keyof SyncWorkerConfig, "bindAddress">

const numericSettings = Object.keys(defaultConfig).filter((key) => key !== "bindAddress") as Array<NumericSetting>

/** The environment variable of a numeric setting: `maxSessions` is `VERSE_SYNC_MAX_SESSIONS`. */
export const variableName = (setting: NumericSetting): string =>
  `VERSE_SYNC_${setting.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`

/**
 * Reads the settings from `Config` (`VERSE_SYNC_BIND` and the variable of each
 * numeric setting, see `variableName`), each falling back to `defaults`;
 * explicit `overrides` (from command flags) win over both.
 */
export const load = (
  overrides: Partial<SyncWorkerConfig> = {},
  defaults: SyncWorkerConfig = defaultConfig
): Effect.Effect<SyncWorkerConfig, InvalidSetting> => {
  const numbers = Object.fromEntries(
    numericSettings.map((setting) => [
      setting,
      Config.schema(PositiveInt, variableName(setting)).pipe(Config.withDefault(defaults[setting]))
    ])
  ) as { readonly [Setting in NumericSetting]: Config.Config<number> }
  return Config.all({
    bindAddress: Config.String("VERSE_SYNC_BIND").pipe(Config.withDefault(defaults.bindAddress)),
    ...numbers
  }).pipe(
    Effect.map((fromConfig) => ({ ...fromConfig, ...overrides })),
    Effect.mapError((error) => new InvalidSetting({ message: describeConfigError(error) }))
  )
}

/** A setting from the environment is not what it must be; the message names the variable. */
export class InvalidSetting extends Data.TaggedError("InvalidSetting")<{ readonly message: string }> {}

// `SchemaError(Expected a value greater than 0\n  at ["VERSE_SYNC_MAX_SESSIONS"])` →
// `VERSE_SYNC_MAX_SESSIONS: expected a value greater than 0`
const describeConfigError = (error: Config.ConfigError): string => {
  const text = error.message.replace(/\s+/g, " ")
  const match = /Expected (.*?) at \["([A-Z_]+)"\]/.exec(text)
  return match === null ? text : `${match[2]}: expected ${match[1]}`
}
