/**
 * Case 5, stranger flood: a trusted peer pushes the history (DEFLATE, so a
 * round stays short) into a fresh node, once alone and once while strangers
 * (16 endpoints with keys the node does not trust) dial it 200 times a
 * second, each refused with close code 1 after its handshake. The figure is
 * the push's throughput under the flood as a fraction of the same push
 * without it; which of the two goes first alternates between rounds.
 */
import { Transport } from "@verse-sync/sync-worker"
import { type Case, figure, ratio } from "../Bench.ts"
import type { RoleEvent } from "../RoleProcess.ts"
import { toHex } from "../roles/Role.ts"
import { ingestedWhole, secondsToStart, sleep, startNode, timeoutFor } from "./shared.ts"

const strangersPerSecond = 200
const strangerEndpoints = 16

// The flood runs this long before the push starts, so the push meets it at full rate.
const floodLeadMs = 500

// The flood stops by itself after this, should the runner never stop it.
const maxFloodMs = 60_000

export const flood: Case = {
  id: "flood",
  title: "5. Stranger flood",
  run: async (bench) => {
    const secretKey = Transport.generateSecretKey()
    const trusted = [Transport.endpointIdOf(secretKey)]
    const acceptor = bench.start("acceptor", {})
    const pusher = bench.start("pusher", { secretKey: toHex(secretKey) })
    const stranger = bench.start("stranger", { endpoints: strangerEndpoints })
    await Promise.all([pusher, stranger].map((role) => role.next("ready", secondsToStart)))

    const push = async (ticket: string, workspace: string, during: string, dialMs: Array<number>) => {
      const pushed = await bench.measured(
        during,
        () => pusher.ask("push", "pushed", timeoutFor.push, { ticket, codec: "deflate", workspace })
      )
      await ingestedWhole(acceptor, pushed)
      dialMs.push(pushed["connectMs"] as number)
      return (pushed["intents"] as number) / (pushed["ms"] as number) * 1000
    }

    const alone: Array<number> = []
    const flooded: Array<number> = []
    const dialAlone: Array<number> = []
    const dialFlooded: Array<number> = []
    const dialedPerSecond: Array<number> = []
    const refusedPerSecond: Array<number> = []
    let failed = 0
    let floods = 0
    for (let round = 0; round < bench.rounds; round++) {
      const { ticket } = await startNode(acceptor, trusted)
      const pushAlone = async () => alone.push(await push(ticket, `alone-${round}`, "push alone", dialAlone))
      const pushFlooded = async () => {
        await stranger.ask("flood", "flooding", timeoutFor.command, {
          ticket,
          perSecond: strangersPerSecond,
          maxMs: maxFloodMs
        })
        await sleep(floodLeadMs)
        flooded.push(await push(ticket, `flooded-${round}`, "push under the flood", dialFlooded))
        const counts: RoleEvent = await stranger.ask("stopFlood", "flooded", timeoutFor.command)
        dialedPerSecond.push((counts["dialed"] as number) / (counts["ms"] as number) * 1000)
        refusedPerSecond.push((counts["refused"] as number) / (counts["ms"] as number) * 1000)
        failed += counts["failed"] as number
        floods += 1
      }
      if (round % 2 === 0) {
        await pushAlone()
        await pushFlooded()
      } else {
        await pushFlooded()
        await pushAlone()
      }
      await acceptor.ask("stop", "stopped", timeoutFor.command)
    }

    return {
      figures: [
        figure(`push under a flood of ${strangersPerSecond} strangers/s`, "intents/s", flooded, {
          ratio: ratio("the same push alone", flooded, alone)
        }),
        figure("the same push alone (baseline)", "intents/s", alone),
        figure("trusted dial (handshake, Hello, Welcome) under the flood", "ms", dialFlooded, {
          ratio: ratio("the same dial alone", dialFlooded, dialAlone)
        }),
        figure("strangers' dials started", "per s", dialedPerSecond),
        figure("strangers refused with code 1", "per s", refusedPerSecond, {
          detail:
            `${failed} dials over ${floods} floods not refused within 5 s; the rest were still under way at the end`
        })
      ],
      notes: [
        `The strangers take turns among ${strangerEndpoints} endpoints in a third process; ` +
        "their handshakes use the same two cores as the node and the pusher."
      ]
    }
  }
}
