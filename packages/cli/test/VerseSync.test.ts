import { Transport } from "@verse-sync/sync-worker"
import { TestPeer } from "@verse-sync/sync-worker/testing"
import { Effect } from "effect"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { jsonLines, loopback, makeSandbox, sampleFile, type Sandbox, type ServingNode } from "./fixtures.ts"

/** The ticket of an iroh endpoint that was bound on loopback and closed again: nobody answers there. */
const closedEndpointTicket = (): Promise<string> =>
  Effect.runPromise(
    Effect.scoped(
      Effect.map(
        Transport.bind({ secretKey: Transport.generateSecretKey(), bindAddress: "127.0.0.1:0" }),
        (endpoint) => endpoint.ticket
      )
    )
  )

describe("verse-sync id", () => {
  let sandbox: Sandbox
  beforeEach(() => (sandbox = makeSandbox()))
  afterEach(() => sandbox.cleanUp())

  it("prints the same endpoint id on every run, the first creating the key", async () => {
    const dataDirectory = sandbox.dataDirectory("device")

    const first = await sandbox.run(["id", "--data-dir", dataDirectory])
    const second = await sandbox.run(["id", "--data-dir", dataDirectory, "--json"])

    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^[0-9a-f]{64}\n$/)
    expect(second.code).toBe(0)
    expect(jsonLines(second.stdout)).toEqual([{ endpointId: first.stdout.trim() }])
  })
})

describe("verse-sync trust", () => {
  let sandbox: Sandbox
  beforeEach(() => (sandbox = makeSandbox()))
  afterEach(() => sandbox.cleanUp())

  it("adds a peer with its role and grants, lists it, and removes it", async () => {
    const dataDirectory = sandbox.dataDirectory("device")
    const peer = TestPeer.make().endpointId

    const added = await sandbox.run([
      "trust",
      "add",
      peer,
      "--name",
      "tablet",
      "--grant",
      "research=read-write",
      "--data-dir",
      dataDirectory
    ])
    const listed = await sandbox.run(["trust", "list", "--json", "--data-dir", dataDirectory])
    const removed = await sandbox.run(["trust", "remove", peer, "--json", "--data-dir", dataDirectory])
    const listedAfter = await sandbox.run(["trust", "list", "--json", "--data-dir", dataDirectory])

    expect(added.code).toBe(0)
    expect(added.stdout).toContain(`trusted "tablet" (${peer.slice(0, 10)}, friend: research read-write)`)
    expect(jsonLines(listed.stdout)).toEqual([
      expect.objectContaining({
        endpointId: peer,
        displayName: "tablet",
        role: "friend",
        grants: { research: "read-write" }
      })
    ])
    expect(jsonLines(removed.stdout)).toEqual([{ endpointId: peer, removed: true }])
    expect(listedAfter.code).toBe(0)
    expect(listedAfter.stdout).toBe("")
  })

  it("grant changes only the workspaces it names, `none` taking a grant away", async () => {
    const dataDirectory = sandbox.dataDirectory("device")
    const peer = TestPeer.make().endpointId
    await sandbox.run([
      "trust",
      "add",
      peer,
      "--grant",
      "news=read",
      "--grant",
      "old=read-write",
      "--data-dir",
      dataDirectory
    ])

    const granted = await sandbox.run([
      "trust",
      "grant",
      peer,
      "research=read-write",
      "old=none",
      "news=read-write",
      "--data-dir",
      dataDirectory
    ])
    const listed = await sandbox.run(["trust", "list", "--json", "--data-dir", dataDirectory])

    expect(granted.code).toBe(0)
    expect(granted.stdout).toBe(
      `trusted "${peer.slice(0, 10)}" (${peer.slice(0, 10)}, friend: news read-write, research read-write)\n`
    )
    expect(jsonLines(listed.stdout)).toEqual([
      expect.objectContaining({ endpointId: peer, grants: { news: "read-write", research: "read-write" } })
    ])
  })

  it("grant refuses a peer that is not trusted (exit 1), and trusts nobody", async () => {
    const dataDirectory = sandbox.dataDirectory("device")
    const stranger = TestPeer.make().endpointId

    const finished = await sandbox.run(["trust", "grant", stranger, "research=read-write", "--data-dir", dataDirectory])
    const listed = await sandbox.run(["trust", "list", "--json", "--data-dir", dataDirectory])

    expect(finished.code).toBe(1)
    expect(finished.stderr).toContain(`is not trusted; trust it first: verse-sync trust add ${stranger}`)
    expect(listed.stdout).toBe("")
  })

  it("refuses an endpoint id that is not 64 lowercase hex characters with exit 1", async () => {
    const finished = await sandbox.run(["trust", "add", "3F2A", "--data-dir", sandbox.dataDirectory("device")])

    expect(finished.code).toBe(1)
    expect(finished.stdout).toBe("")
    expect(finished.stderr).toContain("64 lowercase hex characters")
  })
})

describe("verse-sync push", () => {
  let sandbox: Sandbox
  beforeEach(() => (sandbox = makeSandbox()))
  afterEach(() => sandbox.cleanUp())

  it("refuses a file with a bad line before dialing: exit 1 naming the file and the line", async () => {
    const file = sandbox.writeFile(
      "intents.jsonl",
      "{\"intent\":{\"type\":\"SetWorkspaceName\",\"name\":\"Trip\"}}\n" +
        "{\"intent\":{\"type\":\"AddNode\",\"nodeId\":\"not-a-uuid\",\"url\":\"https://example.org\"}}\n"
    )

    const finished = await sandbox.run([
      "push",
      await closedEndpointTicket(),
      file,
      "--data-dir",
      sandbox.dataDirectory("device"),
      ...loopback
    ])

    expect(finished.code).toBe(1)
    expect(finished.stderr).toContain(`${file}:2: intent.nodeId:`)
  })

  it("exits 3 when nobody answers at the ticket's address", async () => {
    const finished = await sandbox.run([
      "push",
      await closedEndpointTicket(),
      sampleFile,
      "--connect-timeout-ms",
      "1500",
      "--data-dir",
      sandbox.dataDirectory("device"),
      ...loopback
    ])

    expect(finished.code).toBe(3)
    expect(finished.stderr).toContain("no answer from peer")
  })
})

describe("verse-sync serve", () => {
  let sandbox: Sandbox
  beforeEach(() => (sandbox = makeSandbox()))
  afterEach(() => sandbox.cleanUp())

  it("prints `ready <ticket>` before its diagnostics, and its summary when SIGTERM stops it with exit 0", async () => {
    const node = await sandbox.serve(["--data-dir", sandbox.dataDirectory("server"), ...loopback])

    const stopped = await node.stop("SIGTERM")

    expect(stopped.code).toBe(0)
    const lines = stopped.stdout.trim().split("\n")
    expect(lines[0]).toBe(`ready ${node.ticket}`)
    expect(lines[1]).toMatch(
      /^\d\d:\d\d:\d\d INFO  sync\.worker\.started accepting as [0-9a-f]{10} on 127\.0\.0\.1:\d+$/
    )
    expect(lines.at(-2)).toMatch(/^\d\d:\d\d:\d\d INFO  sync\.worker\.stopped /)
    expect(lines.at(-1)).toBe("no workspace received any intent")
  })

  it("refuses a second serve on the same data directory: exit 1, naming the first", async () => {
    const server = sandbox.dataDirectory("server")
    const first = await sandbox.serve(["--data-dir", server, ...loopback])

    const second = await sandbox.run(["serve", "--data-dir", server, ...loopback])

    expect(second.code).toBe(1)
    expect(second.stderr.trim().split("\n")).toHaveLength(1)
    expect(second.stderr).toContain("another verse-sync (process")
    expect((await first.stop("SIGINT")).code).toBe(0)
  })
})

describe("verse-sync serve, pushed to", () => {
  let sandbox: Sandbox
  let node: ServingNode
  let server: string
  let pusher: string
  let pusherId: string

  beforeAll(async () => {
    sandbox = makeSandbox()
    server = sandbox.dataDirectory("server")
    pusher = sandbox.dataDirectory("pusher")
    pusherId = await sandbox.endpointId(pusher)
    const trusted = await sandbox.run(["trust", "add", pusherId, "--role", "self", "--data-dir", server])
    expect(trusted.code).toBe(0)
    node = await sandbox.serve(["--json", "--data-dir", server, ...loopback])
  })
  afterAll(() => sandbox.cleanUp())

  const push = (dataDirectory: string) =>
    sandbox.run(["push", node.ticket, sampleFile, "--json", "--data-dir", dataDirectory, ...loopback])

  it("refuses a device it does not trust: exit 2, saying what to run on the node", async () => {
    const stranger = sandbox.dataDirectory("stranger")
    const strangerId = await sandbox.endpointId(stranger)

    const finished = await push(stranger)

    expect(finished.code).toBe(2)
    expect(finished.stderr).toContain(`does not trust this device`)
    expect(finished.stderr).toContain(`verse-sync trust add ${strangerId}`)
  })

  it("applies the sample once, finds it all duplicate the second time, and prints the graph on SIGINT", async () => {
    const first = await push(pusher)
    const second = await push(pusher)
    const [graphWhileServing, otherWorkspace] = await Promise.all([
      sandbox.run(["graph", "--data-dir", server]),
      sandbox.run(["graph", "--workspace", "research", "--json", "--data-dir", server])
    ])
    const stopped = await node.stop("SIGINT")

    expect(first.code).toBe(0)
    expect(jsonLines(first.stdout).at(-1)).toEqual({
      event: "summary",
      units: 5,
      sent: 4365,
      applied: 4365,
      duplicates: 0,
      rejected: 0,
      heldThrough: 4365
    })
    expect(second.code).toBe(0)
    expect(jsonLines(second.stdout).at(-1)).toEqual({
      event: "summary",
      units: 0,
      sent: 0,
      applied: 0,
      duplicates: 4365,
      rejected: 0,
      heldThrough: 4365
    })

    expect(stopped.code).toBe(0)
    const records = jsonLines(stopped.stdout)
    const channels = records.filter((record) => record.event === "diagnostic").map((record) => record.channel)
    expect(channels[0]).toBe("sync.worker.started")
    expect(channels.filter((channel) => channel === "sync.worker.unit_applied")).toHaveLength(5)
    expect(channels.at(-1)).toBe("sync.worker.stopped")
    expect(records.at(-1)).toEqual({
      event: "summary",
      workspaces: {
        default: expect.objectContaining({ name: "Wikispeedia", nodes: 850, edges: 1159, traversals: 1506 })
      }
    })

    expect(graphWhileServing.code, graphWhileServing.stderr).toBe(0)
    expect(graphWhileServing.stdout).toBe(
      "workspace default \"Wikispeedia\": 850 nodes, 1159 edges, 1506 traversals, 125 tags, 4365 intents\n"
    )
    expect(jsonLines(otherWorkspace.stdout)).toEqual([
      { workspace: "research", name: null, intents: 0, nodes: 0, edges: 0, traversals: 0, tags: 0 }
    ])
  })
})

describe("verse-sync serve, its grants changed while it runs", () => {
  let sandbox: Sandbox
  beforeEach(() => (sandbox = makeSandbox()))
  afterEach(() => sandbox.cleanUp())

  const friend = TestPeer.make()
  const researchUnit = {
    type: "SyncUnit",
    batch: 1,
    workspaceId: "research",
    fromPeer: friend.endpointId,
    intents: friend.intents(1, 2)
  }

  /** One session of the friend: Hello for `research`, one unit there; the Welcome and the answer. */
  const writeToResearch = (ticket: string) =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const { client, welcome } = yield* friend.join(ticket, ["research"])
      yield* client.frames.send(researchUnit)
      return { writable: Object.keys(welcome.versionVectors), answer: yield* client.nextAnswer }
    })))

  it("a friend gets AccessDenied before `trust grant` and an Ack after, without a restart", async () => {
    const server = sandbox.dataDirectory("server")
    await sandbox.run(["trust", "add", friend.endpointId, "--grant", "news=read", "--data-dir", server])
    const node = await sandbox.serve(["--data-dir", server, ...loopback])

    const before = await writeToResearch(node.ticket)
    const granted = await sandbox.run([
      "trust",
      "grant",
      friend.endpointId,
      "research=read-write",
      "--data-dir",
      server
    ])
    // serve notices the change of trust.json within a second.
    let after = await writeToResearch(node.ticket)
    for (let attempt = 0; attempt < 20 && after.answer.type !== "Ack"; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      after = await writeToResearch(node.ticket)
    }
    const stopped = await node.stop("SIGTERM")

    expect(before).toMatchObject({ writable: [], answer: { type: "Reject", code: "AccessDenied" } })
    expect(granted.code).toBe(0)
    expect(after).toMatchObject({ writable: ["research"], answer: { type: "Ack", applied: 2 } })
    expect(stopped.code).toBe(0)
  })
})

describe("the README's settings table", () => {
  const readme = fs.readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8")
  const section = readme.slice(
    readme.indexOf("## Settings and limits"),
    readme.indexOf("\n## ", readme.indexOf("## Settings and limits") + 1)
  )
  /** Every table row naming a flag: the flag, its variable if any, and its default as written. */
  const rows = section.split("\n").filter((line) => line.startsWith("| ") && line.includes("`--")).map((line) => {
    const cells = line.split(" | ")
    return {
      flag: /`(--[a-z-]+)`/.exec(cells[2]!)![1]!,
      variable: /`(VERSE_SYNC_[A-Z_]+)`/.exec(cells[2]!)?.[1],
      // `10,000 ms` is 10000, `\`0.0.0.0:0\`` is 0.0.0.0:0
      defaultValue: cells[1]!.replaceAll("`", "").replace(/(\d),(?=\d{3})/g, "$1").replace(/ (ms|B)$/, "")
    }
  })

  it("names every flag of serve and push with its variable and default, and no flag that does not exist", async () => {
    const sandbox = makeSandbox()
    try {
      const help = (await Promise.all([sandbox.run(["serve", "--help"]), sandbox.run(["push", "--help"])]))
        .map((finished) => finished.stdout)
      const flagLines = help.flatMap((text) => text.split("\n")).filter((line) => /^ {2}--/.test(line))
      const serveFlags = help[0]!.slice(0, help[0]!.indexOf("INHERITED FLAGS")).split("\n")
        .filter((line) => /^ {2}--/.test(line)).map((line) => line.trim().split(" ")[0]!)

      for (const row of rows) {
        const line = flagLines.find((line) => line.trim().startsWith(`${row.flag} `))
        expect(line, `${row.flag} is a flag`).toBeDefined()
        expect(line, `${row.flag}'s default`).toContain(`default ${row.defaultValue}`)
        if (row.variable !== undefined) expect(line, `${row.flag}'s variable`).toContain(`env ${row.variable}`)
      }
      expect(serveFlags.filter((flag) => !rows.some((row) => row.flag === flag))).toEqual([])
    } finally {
      sandbox.cleanUp()
    }
  })
})
