/**
 * Case 3, ack latency: a second trusted peer sends units of 100 intents one
 * at a time and times each from being written to its Ack, while the first
 * pushes the whole history again and again (steady load: every pass goes
 * into a new workspace, so every unit is applied). The same probe on an idle
 * node, and the bare transport's round trip for the same frames (the
 * baseline's `echo`), are measured in the same rounds.
 */
import { Transport } from "@verse-sync/sync-worker"
import { type Case, figure, ratio } from "../Bench.ts"
import { toHex } from "../roles/Role.ts"
import { median, quantile } from "../Stats.ts"
import { secondsToStart, startNode, timeoutFor } from "./shared.ts"

// Probes a round: enough for a p99 (the second slowest of 150), few enough to keep a round short.
const probes = 150

// The probe's unit size, as the issue asks.
const probeIntents = 100

// The load stops by itself after this, should the runner never stop it.
const maxLoadMs = 90_000

export const latency: Case = {
  id: "latency",
  title: "3. Ack latency",
  run: async (bench) => {
    const loadKey = Transport.generateSecretKey()
    const probeKey = Transport.generateSecretKey()
    const trusted = [Transport.endpointIdOf(loadKey), Transport.endpointIdOf(probeKey)]
    const receiver = bench.start("rawReceiver", {}, "raw-receiver")
    const acceptor = bench.start("acceptor", {})
    const loader = bench.start("pusher", { secretKey: toHex(loadKey) }, "loader")
    const prober = bench.start("pusher", { secretKey: toHex(probeKey) }, "prober")
    const { ticket: rawTicket } = await receiver.next("ready", secondsToStart)
    const sender = bench.start("rawSender", { ticket: rawTicket }, "raw-sender")
    await Promise.all([sender, loader, prober].map((role) => role.next("ready", secondsToStart)))

    const probe = async (ticket: string, workspace: string, during: string) => {
      const probed = await bench.measured(
        during,
        () =>
          prober.ask("probe", "probed", timeoutFor.push, { ticket, workspace, count: probes, intents: probeIntents })
      )
      return probed["samples"] as ReadonlyArray<number>
    }

    const rawP50: Array<number> = []
    const rawP99: Array<number> = []
    const idleP50: Array<number> = []
    const idleP99: Array<number> = []
    const loadedP50: Array<number> = []
    const loadedP99: Array<number> = []
    const loadRates: Array<number> = []
    for (let round = 0; round < bench.rounds; round++) {
      const echoed = await bench.measured(
        "bare round trips",
        () => sender.ask("echo", "echoed", timeoutFor.push, { count: probes, intents: probeIntents })
      )
      const raw = echoed["samples"] as ReadonlyArray<number>
      rawP50.push(quantile(raw, 0.5))
      rawP99.push(quantile(raw, 0.99))

      const { ticket } = await startNode(acceptor, trusted)
      const idle = await probe(ticket, "probe-idle", "probes, idle node")
      idleP50.push(quantile(idle, 0.5))
      idleP99.push(quantile(idle, 0.99))

      await loader.ask("load", "loading", timeoutFor.command, { ticket, workspace: "load", maxMs: maxLoadMs })
      const loaded = await probe(ticket, "probe-loaded", "probes under load")
      const load = await loader.ask("stopLoad", "loadStopped", timeoutFor.push)
      loadRates.push((load["intents"] as number) / (load["ms"] as number) * 1000)
      loadedP50.push(quantile(loaded, 0.5))
      loadedP99.push(quantile(loaded, 0.99))
      await acceptor.ask("stop", "stopped", timeoutFor.command)
    }

    const loadRate = median(loadRates)
    return {
      figures: [
        figure("p50, 100-intent unit to Ack, under load", "ms", loadedP50, {
          ratio: ratio("bare round trip p50", loadedP50, rawP50),
          detail: `the load peer meanwhile pushed ${Math.round(loadRate)} intents/s (median)`
        }),
        figure("p99, 100-intent unit to Ack, under load", "ms", loadedP99, {
          ratio: ratio("bare round trip p99", loadedP99, rawP99)
        }),
        figure("p50, 100-intent unit to Ack, idle node", "ms", idleP50, {
          ratio: ratio("bare round trip p50", idleP50, rawP50)
        }),
        figure("p99, 100-intent unit to Ack, idle node", "ms", idleP99, {
          ratio: ratio("bare round trip p99", idleP99, rawP99)
        }),
        figure("p50, bare iroh round trip of the same frames (baseline)", "ms", rawP50),
        figure("p99, bare iroh round trip of the same frames (baseline)", "ms", rawP99)
      ],
      notes: [
        `${probes} probes a round, one at a time; the load peer keeps 8 units of 1000 intents in flight.`
      ]
    }
  }
}
