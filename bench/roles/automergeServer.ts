/**
 * The accepting side of the automerge-repo comparison: a Repo with no
 * storage behind a WebSocket server on 127.0.0.1, as its docs set up a sync
 * server. `expect {heads}` starts a fresh server and reports `ready {url}`,
 * then `complete {at}` as soon as a document it holds has exactly those heads:
 * it holds the whole history.
 */
import * as Automerge from "@automerge/automerge"
import { type DocHandle, Repo } from "@automerge/automerge-repo"
import { WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket"
import type { AddressInfo } from "node:net"
import { WebSocketServer } from "ws"
import * as Role from "./Role.ts"

// How often the server looks for a new document.
const pollMs = 5

let current: { readonly repo: Repo; readonly server: WebSocketServer } | undefined

const stop = async () => {
  if (current === undefined) return
  await current.repo.shutdown()
  await new Promise((resolve) => current!.server.close(resolve))
  current = undefined
}

await Role.serveCommands(async (command) => {
  switch (command.command) {
    case "expect": {
      await stop()
      const heads = [...(command["heads"] as ReadonlyArray<string>)].sort()
      const server = new WebSocketServer({ host: "127.0.0.1", port: 0 })
      await new Promise((resolve) => server.once("listening", resolve))
      // The adapter names its own copy of ws's types; the server is the same class.
      const adapter = new WebSocketServerAdapter(
        server as unknown as ConstructorParameters<typeof WebSocketServerAdapter>[0]
      )
      const repo = new Repo({ network: [adapter] })
      current = { repo, server }
      // This version of automerge-repo emits no event for a document a peer
      // brings, and a handle may turn ready after its heads changed, so the
      // server's handles are also looked at every few milliseconds.
      const watched = new Set<string>()
      let complete = false
      const check = (handle: DocHandle<unknown>) => {
        if (complete || !handle.isReady()) return
        // `handle.heads()` gives them encoded for URLs; the document's own are hex, as the client's.
        const held = [...Automerge.getHeads(handle.doc() as Automerge.Doc<unknown>)].sort()
        if (held.length === heads.length && held.every((head, index) => head === heads[index])) {
          complete = true
          clearInterval(poll)
          Role.emit("complete", { at: Role.now() })
        }
      }
      const poll = setInterval(() => {
        for (const handle of Object.values(repo.handles)) {
          if (!watched.has(handle.documentId)) {
            watched.add(handle.documentId)
            handle.on("heads-changed", () => check(handle))
          }
          check(handle)
        }
      }, pollMs)
      Role.emit("ready", { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` })
      break
    }
    case "stop":
      await stop()
      Role.emit("stopped")
      break
  }
})
