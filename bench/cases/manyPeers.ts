/**
 * Case 4, many peers: 64 trusted peers, bound beforehand in one process,
 * dial a fresh node at once and say Hello. Measured: the time from the first
 * dial to all 64 sessions Idle in `SyncState` (as the node sees it), and the
 * node's memory per idle session (heap and resident set, after a full
 * collection, before the dials and once all are Idle). The baseline: the
 * same 64 endpoints dialing the bare transport's receiver and exchanging a
 * Hello-sized frame for an Ack-sized one.
 */
import { Transport } from "@verse-sync/sync-worker"
import { type Case, figure, ratio } from "../Bench.ts"
import type { RoleProcess } from "../RoleProcess.ts"
import { toHex } from "../roles/Role.ts"
import { secondsToStart, startNode, timeoutFor } from "./shared.ts"

// DESIGN.md's session limit: 64 peers fill it exactly.
const peers = 64

const kib = (bytes: number) => bytes / 1024

export const manyPeers: Case = {
  id: "many-peers",
  title: "4. Many peers",
  run: async (bench) => {
    const secretKeys = Array.from({ length: peers }, () => Transport.generateSecretKey())
    const trusted = secretKeys.map(Transport.endpointIdOf)
    const acceptor = bench.start("acceptor", {})
    const receiver = bench.start("rawReceiver", {}, "raw-receiver")
    const dialers = bench.start("dialers", { secretKeys: secretKeys.map(toHex) })
    const rawTicket = (await receiver.next("ready", secondsToStart))["ticket"] as string
    await dialers.next("ready", secondsToStart)

    /**
     * Dials every peer at `ticket` and returns the time until `waitFor`
     * reports them all, and the memory `node` grew by, per peer.
     */
    const connectAll = async (node: RoleProcess, ticket: string, mode: "sync" | "raw", waitFor: string) => {
      const before = await node.ask("memory", "memory", timeoutFor.command)
      node.send(waitFor === "idle" ? "awaitIdle" : "awaitAnswered", { count: peers })
      const dialed = await bench.measured(
        `${peers} ${mode === "sync" ? "peers dial the node" : "bare dials"}`,
        async () => {
          const { startedAt } = await dialers.ask("dial", "dialing", timeoutFor.command, { ticket, mode })
          const { at } = await node.next(waitFor, timeoutFor.command)
          await dialers.next("dialed", timeoutFor.command)
          return (at as number) - (startedAt as number)
        }
      )
      const after = await node.ask("memory", "memory", timeoutFor.command)
      await dialers.ask("close", "closed", timeoutFor.command)
      return {
        ms: dialed,
        heapPerPeer: kib((after["heapUsed"] as number) - (before["heapUsed"] as number)) / peers,
        rssPerPeer: kib((after["rss"] as number) - (before["rss"] as number)) / peers
      }
    }

    const sync = { ms: [] as Array<number>, heap: [] as Array<number>, rss: [] as Array<number> }
    const raw = { ms: [] as Array<number>, heap: [] as Array<number>, rss: [] as Array<number> }
    for (let round = 0; round < bench.rounds; round++) {
      const { ticket } = await startNode(acceptor, trusted)
      const node = await connectAll(acceptor, ticket, "sync", "idle")
      await acceptor.ask("stop", "stopped", timeoutFor.command)
      const bare = await connectAll(receiver, rawTicket, "raw", "answered")
      for (const [into, from] of [[sync, node], [raw, bare]] as const) {
        into.ms.push(from.ms)
        into.heap.push(from.heapPerPeer)
        into.rss.push(from.rssPerPeer)
      }
    }

    return {
      figures: [
        figure(`${peers} peers dial at once: until all Idle`, "ms", sync.ms, {
          ratio: ratio("bare transport, all answered", sync.ms, raw.ms)
        }),
        figure("node heap per idle session", "KiB", sync.heap, {
          ratio: ratio("bare connection's heap", sync.heap, raw.heap)
        }),
        figure("node resident memory per idle session", "KiB", sync.rss, {
          ratio: ratio("bare connection's RSS", sync.rss, raw.rss)
        }),
        figure(`${peers} bare connections: until all answered (baseline)`, "ms", raw.ms),
        figure("bare receiver heap per connection (baseline)", "KiB", raw.heap),
        figure("bare receiver resident memory per connection (baseline)", "KiB", raw.rss)
      ],
      notes: [
        "The 64 dialing endpoints are bound before the clock starts, all in one process (as 64 devices would be).",
        "Memory is the node's process alone, measured after two full collections; RSS includes iroh's native buffers."
      ]
    }
  }
}
