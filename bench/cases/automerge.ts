/**
 * Case 7, what a user would pick instead: the history as one Automerge
 * document of graph edits (a change a unit of 1000 intents), synced by an
 * automerge-repo client into an automerge-repo server (no storage) over a
 * WebSocket on 127.0.0.1, two processes; timed from the client holding the
 * document in its repo to the server holding all of it (the same heads).
 * Beside it, in the same rounds, verse-sync pushes the same intents into a
 * fresh node (JSON codec, in-memory reducer).
 *
 * Only the first 20,000 intents: Automerge's cost grows faster than the
 * history (loading the whole history's document takes over a minute on this
 * machine, the 20,000-intent one a few seconds), and the benchmark has to fit
 * in minutes. `BENCH_AUTOMERGE_INTENTS` sets another count.
 */
import { Transport } from "@verse-sync/sync-worker"
import { type Case, figure, ratio } from "../Bench.ts"
import { toHex } from "../roles/Role.ts"
import { ingestedWhole, secondsToStart, startNode, timeoutFor } from "./shared.ts"

const intents = Number(process.env["BENCH_AUTOMERGE_INTENTS"] ?? 20_000)

// Building the document, when it is not cached yet, takes about half a second per thousand intents.
const secondsToBuild = 600_000

export const automerge: Case = {
  id: "automerge",
  title: "7. automerge-repo, the same history",
  run: async (bench) => {
    const secretKey = Transport.generateSecretKey()
    const trusted = [Transport.endpointIdOf(secretKey)]
    const client = bench.start("automergeClient", { intents }, "automerge-client")
    const server = bench.start("automergeServer", {}, "automerge-server")
    const acceptor = bench.start("acceptor", {})
    const pusher = bench.start("pusher", { secretKey: toHex(secretKey) })
    const built = await client.next("ready", secondsToBuild)
    await pusher.next("ready", secondsToStart)

    const automergeMs: Array<number> = []
    const oursMs: Array<number> = []
    for (let round = 0; round < bench.rounds; round++) {
      const { url } = await server.ask("expect", "ready", timeoutFor.command, { heads: built["heads"] })
      automergeMs.push(
        await bench.measured("automerge-repo sync", async () => {
          const { startedAt } = await client.ask("sync", "syncing", timeoutFor.push, { url })
          const { at } = await server.next("complete", timeoutFor.push)
          return (at as number) - (startedAt as number)
        })
      )
      await client.ask("disconnect", "disconnected", timeoutFor.command)
      await server.ask("stop", "stopped", timeoutFor.command)

      const { ticket } = await startNode(acceptor, trusted)
      const pushed = await bench.measured(
        "verse-sync push",
        () => pusher.ask("push", "pushed", timeoutFor.push, { ticket, codec: "json", intents })
      )
      await ingestedWhole(acceptor, pushed)
      await acceptor.ask("stop", "stopped", timeoutFor.command)
      oursMs.push(pushed["ms"] as number)
    }

    const megabytes = ((built["bytes"] as number) / 1_000_000).toFixed(1)
    const buildSeconds = ((built["buildMs"] as number) / 1000).toFixed(0)
    return {
      figures: [
        figure(`automerge-repo: server holds the first ${intents} intents`, "ms", automergeMs, {
          ratio: ratio("verse-sync's push of the same", automergeMs, oursMs),
          detail: `one ${megabytes} MB document; building it took ${buildSeconds} s${
            built["cached"] === true ? " (cached from an earlier run)" : ""
          }`
        }),
        figure(`verse-sync: push of the same ${intents} intents, JSON (baseline)`, "ms", oursMs)
      ],
      notes: [
        "automerge-repo's clock starts once the client's repo holds the document (loading it there is not counted).",
        "The whole history was not synced here: see BENCHMARKS.md for why and for a one-off figure."
      ]
    }
  }
}
