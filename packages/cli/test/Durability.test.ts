import Database from "better-sqlite3"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type Finished, jsonLines, loopback, makeSandbox, type Sandbox, wikispeedia } from "./fixtures.ts"

/**
 * What the sync log of a data directory holds, read straight from `sync.db`,
 * read-only: its intents, the (workspace, author, sequence) keys held more
 * than once, and how many of `author`'s intents up to sequence `through`.
 */
const readLog = (dataDirectory: string, author: string, through: number) => {
  const database = new Database(path.join(dataDirectory, "sync.db"), { readonly: true, fileMustExist: true })
  try {
    const count = (sql: string, ...parameters: Array<string | number>) =>
      database.prepare(sql).pluck().get(...parameters) as number
    return {
      intents: count("SELECT count(*) FROM intents"),
      repeatedKeys: count(
        "SELECT count(*) FROM (SELECT 1 FROM intents GROUP BY workspace, author, sequence HAVING count(*) > 1)"
      ),
      authoredThrough: count(
        "SELECT count(*) FROM intents JOIN endpoints ON endpoints.id = intents.author " +
          "WHERE endpoints.endpoint_id = ? AND workspace = 'default' AND sequence <= ?",
        author,
        through
      )
    }
  } finally {
    database.close()
  }
}

/** The last `{"event":"summary"}` record a push printed, if it got that far. */
const summaryOf = (finished: Finished) =>
  jsonLines(finished.stdout).filter((record) => record.event === "summary").at(-1) as
    | { readonly sent: number; readonly duplicates: number; readonly heldThrough: number }
    | undefined

// After serve is killed, a push notices the silence after this long. Live
// answers come within tens of milliseconds; a push that gives up early on a
// loaded machine ends like a killed one and is simply pushed again.
const answerTimeoutMs = 1500

// Every kill lands this long after the push's first progress record, plus up
// to the window: early, so each push stays short, and while units are in flight.
const killDelayMs = 100
const killWindowMs = 1000

const kills = 5

// While killing, units of 100 intents: more commits for a kill to land between
// or in, and a push slow enough (5,000 to 20,000 intents/s) that five early
// kills leave most of the file for the last push, whatever the machine.
const unitsWhileKilling = ["--max-batch-intents", "100"]

describe("verse-sync serve, killed", () => {
  let sandbox: Sandbox
  beforeEach(() => (sandbox = makeSandbox()))
  afterEach(() => sandbox.cleanUp())

  it(
    "loses no acknowledged intent to SIGKILL: five kills mid-push, then the whole history exactly once",
    async () => {
      const server = sandbox.dataDirectory("server")
      const pusher = sandbox.dataDirectory("pusher")
      const pusherId = await sandbox.endpointId(pusher)
      expect((await sandbox.run(["trust", "add", pusherId, "--role", "self", "--data-dir", server])).code).toBe(0)
      const push = (ticket: string) =>
        sandbox.start([
          "push",
          ticket,
          wikispeedia,
          "--json",
          "--answer-timeout-ms",
          String(answerTimeoutMs),
          "--data-dir",
          pusher,
          ...loopback
        ])

      const serveArgs = ["--data-dir", server, ...loopback]
      let node = await sandbox.serve([...serveArgs, ...unitsWhileKilling])
      for (let killed = 1; killed <= kills; killed++) {
        const pushing = push(node.ticket)
        await pushing.waitForLine((line) => line.includes("\"progress\"") || undefined)
        await new Promise((resolve) => setTimeout(resolve, killDelayMs + Math.random() * killWindowMs))
        await node.stop("SIGKILL")
        // The next node starts while the push waits out its answer timeout; it
        // writes nothing before it is pushed to, so the log is read as the kill left it.
        const [finished, next] = await Promise.all([
          pushing.finished,
          sandbox.serve(killed < kills ? [...serveArgs, ...unitsWhileKilling] : serveArgs)
        ])
        node = next

        const summary = summaryOf(finished)
        expect(finished.code, `kill ${killed}: ${finished.stderr}`).toBe(3)
        expect(finished.stderr).toMatch(/^verse-sync: no answer from peer [0-9a-f]{10} for 1\.5 s .*push again/m)
        expect(summary, "a push that started sending prints its summary").toBeDefined()
        const log = readLog(server, pusherId, summary!.heldThrough)
        expect(log.authoredThrough, "every acked intent is in the log").toBe(summary!.heldThrough)
        expect(log.repeatedKeys).toBe(0)
      }

      const completed = await push(node.ticket).finished
      const [again, graphWhileServing] = await Promise.all([
        push(node.ticket).finished,
        sandbox.run(["graph", "--json", "--data-dir", server])
      ])
      const stopped = await node.stop("SIGTERM")

      expect(completed.code, completed.stderr).toBe(0)
      expect(summaryOf(completed)?.heldThrough).toBe(144_035)
      expect(again.code).toBe(0)
      expect(summaryOf(again)).toMatchObject({ sent: 0, duplicates: 144_035, heldThrough: 144_035 })
      expect(stopped.code).toBe(0)
      const log = readLog(server, pusherId, 144_035)
      expect(log.intents).toBe(144_035)
      expect(log.repeatedKeys).toBe(0)
      expect(log.authoredThrough).toBe(144_035)
      expect(graphWhileServing.code, graphWhileServing.stderr).toBe(0)
      expect(jsonLines(graphWhileServing.stdout)).toEqual([{
        workspace: "default",
        name: "Wikispeedia",
        intents: 144_035,
        nodes: 4061,
        edges: 31_493,
        traversals: 104_420,
        tags: 128
      }])
    },
    150_000
  )
})

describe("verse-sync serve, on a sync.db that is not its log", () => {
  let sandbox: Sandbox
  beforeEach(() => (sandbox = makeSandbox()))
  afterEach(() => sandbox.cleanUp())

  const cases = [
    {
      what: "a file that is not a database",
      write: (file: string) => fs.writeFileSync(file, "notes from another program\n"),
      says: "is not a SQLite database"
    },
    {
      what: "another application's SQLite database",
      write: (file: string) => {
        const database = new Database(file)
        database.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me')")
        database.close()
      },
      says: "is a SQLite database of another application"
    }
  ]

  for (const { says, what, write } of cases) {
    it(`refuses ${what}: one line naming the file, exit 1, the file untouched`, async () => {
      const server = sandbox.dataDirectory("server")
      fs.mkdirSync(server)
      const file = path.join(server, "sync.db")
      write(file)
      const before = fs.readFileSync(file)

      const finished = await sandbox.run(["serve", "--data-dir", server, ...loopback])

      expect(finished.code).toBe(1)
      expect(finished.stdout).toBe("")
      const errors = finished.stderr.split("\n").filter((line) => line.startsWith("verse-sync:"))
      expect(errors).toEqual([expect.stringContaining(`verse-sync: ${file} ${says}`)])
      expect(errors[0]).toContain("left untouched")
      expect(fs.readFileSync(file).equals(before)).toBe(true)
      expect(fs.readdirSync(server).filter((name) => name.startsWith("sync.db"))).toEqual(["sync.db"])
    })
  }
})

describe("verse-sync graph", () => {
  let sandbox: Sandbox
  beforeEach(() => (sandbox = makeSandbox()))
  afterEach(() => sandbox.cleanUp())

  it("exits 1 naming the file when the data directory holds no sync log, and creates nothing", async () => {
    const empty = sandbox.dataDirectory("empty")

    const finished = await sandbox.run(["graph", "--data-dir", empty])

    expect(finished.code).toBe(1)
    expect(finished.stdout).toBe("")
    expect(finished.stderr).toBe(`verse-sync: there is no sync log at ${empty}/sync.db; check the data directory\n`)
    expect(fs.existsSync(empty)).toBe(false)
  })
})
