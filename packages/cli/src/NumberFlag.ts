/**
 * Flags for the numbers a person may tune (limits, timeouts): `--name N`, a
 * positive integer, named like its environment variable `VERSE_SYNC_NAME`,
 * whose help says the default and the variable. A flag wins over the
 * variable, the variable over the default.
 *
 * Two kinds, by who reads the variable: `optional` when a library reads it
 * (the worker's settings, through `SyncWorkerConfig.load`) and the flag only
 * overrides; `withFallback` when the command itself does.
 */
import { Config, Option } from "effect"
import { Flag } from "effect/cli"

/** The environment variable of the flag `--name`: `max-sessions` is `VERSE_SYNC_MAX_SESSIONS`. */
export const variableOf = (name: string): string => `VERSE_SYNC_${name.toUpperCase().replaceAll("-", "_")}`

const positiveInt = (name: string, description: string, defaultValue: number) =>
  Flag.Int(name).pipe(
    Flag.withMetavar("N"),
    Flag.withDescription(`${description} (default ${defaultValue}; env ${variableOf(name)})`)
  )

const checkPositive = (name: string) =>
  Flag.filterMap(
    (value: number) => value >= 1 ? Option.some(value) : Option.none(),
    (value) => `--${name} must be a positive integer, got ${value}`
  )

/** `--name N`, or `None` when not given: the variable and the default are left to whoever reads them. */
export const optional = (name: string, description: string, defaultValue: number) =>
  positiveInt(name, description, defaultValue).pipe(checkPositive(name), Flag.optional)

/** `--name N`, else the variable `VERSE_SYNC_NAME`, else `defaultValue`. */
export const withFallback = (name: string, description: string, defaultValue: number) =>
  positiveInt(name, description, defaultValue).pipe(
    Flag.withFallbackConfig(Config.Int(variableOf(name)).pipe(Config.withDefault(defaultValue))),
    checkPositive(name)
  )
