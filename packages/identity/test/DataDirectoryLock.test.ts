import { describe, expect, it } from "@effect/vitest"
import { lockDataDirectory, lockFileName } from "@verse-sync/identity"
import { Effect, Exit, Scope } from "effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const temporaryDirectory = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "verse-sync-lock-"))),
  (directory) => Effect.sync(() => fs.rmSync(directory, { recursive: true, force: true }))
)

/** The pid of a process that has ended. */
const deadPid = (): number =>
  Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString())

describe("the data directory lock", () => {
  it.effect("is held while its scope lasts, refused to a second taker, and released after", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const scope = yield* Scope.make()
      yield* lockDataDirectory(directory).pipe(Scope.provide(scope))
      expect(fs.readFileSync(path.join(directory, lockFileName), "utf8")).toBe(`${process.pid}\n`)

      // The holder here is this very process, so pretend to be another one with a live pid: the parent's.
      fs.writeFileSync(path.join(directory, lockFileName), `${process.ppid}\n`)
      const second = yield* Effect.exit(Effect.scoped(lockDataDirectory(directory)))
      expect(Exit.isFailure(second)).toBe(true)
      expect(String(Exit.isFailure(second) ? second.cause : "")).toContain(`process ${process.ppid}`)

      fs.writeFileSync(path.join(directory, lockFileName), `${process.pid}\n`)
      yield* Scope.close(scope, Exit.void)
      expect(fs.existsSync(path.join(directory, lockFileName))).toBe(false)
    }).pipe(Effect.scoped))

  it.effect("is taken over from a process that died holding it", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      fs.writeFileSync(path.join(directory, lockFileName), `${deadPid()}\n`)
      yield* Effect.scoped(lockDataDirectory(directory))
      expect(fs.existsSync(path.join(directory, lockFileName))).toBe(false)
    }).pipe(Effect.scoped))
})
