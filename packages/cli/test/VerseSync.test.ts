import { Transport } from "@verse-sync/sync-worker"
import { Effect } from "effect"
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
    const peer = await sandbox.endpointId(sandbox.dataDirectory("peer"))

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
})

describe("verse-sync serve, pushed to", () => {
  let sandbox: Sandbox
  let node: ServingNode
  let pusher: string
  let pusherId: string

  beforeAll(async () => {
    sandbox = makeSandbox()
    const server = sandbox.dataDirectory("server")
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
    const stopped = await node.stop("SIGINT")

    expect(first.code).toBe(0)
    expect(jsonLines(first.stdout).at(-1)).toEqual({
      event: "summary",
      units: 5,
      sent: 4365,
      applied: 4365,
      duplicates: 0,
      rejected: 0
    })
    expect(second.code).toBe(0)
    expect(jsonLines(second.stdout).at(-1)).toEqual({
      event: "summary",
      units: 0,
      sent: 0,
      applied: 0,
      duplicates: 4365,
      rejected: 0
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
  })
})
