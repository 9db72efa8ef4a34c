/**
 * The dialing side of the automerge-repo comparison: holds the first
 * `intents` of the history as one document (`AutomergeGraph.build`), and for
 * each `sync {url}` command
 * starts a fresh Repo connected to the server over a WebSocket and hands it
 * the document. Reports `ready {heads, bytes, buildMs, cached}` once it holds
 * the document, and `syncing {startedAt}` as it hands it over; the server
 * reports when it holds all of it.
 *
 * Building the document takes a minute or more (Automerge applies about two
 * thousand of these intents a second), so the built document is kept in the
 * system's temporary directory, keyed by the data file, the building code
 * and the Automerge version, and reused by later runs; `buildMs` is then the
 * time the build took when it was made.
 */
import * as Automerge from "@automerge/automerge"
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Dataset from "../Dataset.ts"
import * as AutomergeGraph from "./AutomergeGraph.ts"
import * as Role from "./Role.ts"

// Installed under bench/ by `npm run bench` (see bench/package.json).
const automergeVersion: string = JSON.parse(
  readFileSync(new URL("../node_modules/@automerge/automerge/package.json", import.meta.url), "utf8")
).version

const { intents: intentCount } = Role.options<{ readonly intents: number }>()

const cacheKey = createHash("sha256")
  .update(JSON.stringify({ data: statSync(Dataset.dataFile).size, automergeVersion, intentCount }))
  .update(readFileSync(new URL("./AutomergeGraph.ts", import.meta.url)))
  .update(readFileSync(Dataset.dataFile))
  .digest("hex")
  .slice(0, 16)
const cacheDirectory = join(tmpdir(), "verse-sync-bench")
const cacheFile = join(cacheDirectory, `automerge-${cacheKey}.bin`)
const buildFile = join(cacheDirectory, `automerge-${cacheKey}.json`)

const loadOrBuild = (): { readonly binary: Uint8Array; readonly buildMs: number; readonly cached: boolean } => {
  if (existsSync(cacheFile) && existsSync(buildFile)) {
    return {
      binary: readFileSync(cacheFile),
      buildMs: JSON.parse(readFileSync(buildFile, "utf8")).buildMs,
      cached: true
    }
  }
  const intents = Dataset.readHistory("0".repeat(64), intentCount).map(({ intent }) => intent)
  const startedAt = Role.now()
  const binary = Automerge.save(AutomergeGraph.build(intents, Dataset.intentsPerUnit))
  const buildMs = Role.now() - startedAt
  mkdirSync(cacheDirectory, { recursive: true })
  writeFileSync(cacheFile, binary)
  writeFileSync(buildFile, JSON.stringify({ buildMs }))
  return { binary, buildMs, cached: false }
}

const { binary, buildMs, cached } = loadOrBuild()
const heads = Automerge.getHeads(Automerge.load(binary))

let repo: Repo | undefined

Role.emit("ready", { heads, bytes: binary.length, buildMs, cached })

await Role.serveCommands(async (command) => {
  switch (command.command) {
    case "sync": {
      await repo?.shutdown()
      const adapter = new WebSocketClientAdapter(command["url"] as string)
      repo = new Repo({ network: [adapter] })
      await adapter.whenReady()
      // Loading the document into the client's repo is the client's own work,
      // like reading the intents file is the pusher's: the clock starts after it.
      const handle = repo.import(binary)
      const startedAt = Role.now()
      Role.emit("syncing", { startedAt, documentId: handle.documentId })
      break
    }
    case "disconnect":
      await repo?.shutdown()
      repo = undefined
      Role.emit("disconnected")
      break
  }
})
