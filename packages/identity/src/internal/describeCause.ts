/**
 * Turns a failure from Node or from Schema into the short, one-line detail
 * that goes inside an `IdentityError` message.
 */
import { Predicate } from "effect"

/**
 * A one-line description of a failure. Node's file errors read
 * `EACCES: permission denied, open '/the/path'`; the path is dropped because
 * every message that uses this names the file itself. Schema errors span
 * several lines (`Expected …\n  at ["peers"][0]`) and are joined into one.
 */
export const describeCause = (cause: unknown): string => {
  const message = Predicate.hasProperty(cause, "message") && Predicate.isString(cause.message)
    ? cause.message
    : String(cause)
  const oneLine = message.replace(/\s*\n\s*/g, " ").trim()
  return Predicate.hasProperty(cause, "code") && Predicate.isString(cause.code) && oneLine.startsWith(cause.code)
    ? oneLine.split(", ")[0]!
    : oneLine
}

/** Whether a Node error has the given `code` (`ENOENT`, `EEXIST`, …). */
export const hasErrorCode = (cause: unknown, code: string): boolean =>
  Predicate.hasProperty(cause, "code") && cause.code === code
