/**
 * Schema failures as one line for a person: the first problem found, at its
 * path (`intents[3].intent.url: Expected string, got 42`). Units, messages and
 * intents files all report their schema errors this way, so a Reject, a
 * closed session and a bad input file read alike.
 */
import { SchemaIssue } from "effect"

/** The first problem of a failed decode: where, and what. */
export interface FirstIssue {
  /** As in `intents[3].intent.url`; the empty string is the value itself. */
  readonly path: string
  /** One line, white space folded. */
  readonly detail: string
}

const formatIssue = SchemaIssue.makeFormatterStandardSchemaV1()

/** Finds the first problem of `issue` and writes its path the way JavaScript would. */
export const firstIssue = (issue: SchemaIssue.Issue): FirstIssue => {
  const first = formatIssue(issue).issues[0]
  return {
    path: formatPath(first?.path ?? []),
    detail: (first?.message ?? "is malformed").replace(/\s+/g, " ")
  }
}

/** `path: detail`, with `whole` standing for the empty path (`unit: Expected an object`). */
export const describeIssue = (issue: SchemaIssue.Issue, whole: string): string => {
  const { detail, path } = firstIssue(issue)
  return `${path === "" ? whole : path}: ${detail}`
}

const formatPath = (path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>): string =>
  path.reduce<string>((text, segment) => {
    const key = typeof segment === "object" ? segment.key : segment
    return typeof key === "number" ? `${text}[${key}]` : text === "" ? String(key) : `${text}.${String(key)}`
  }, "")
