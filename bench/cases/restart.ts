/**
 * Case 6, restart: a trusted peer sends units of 100 intents one at a time,
 * redialing at once whenever its session ends; the node's endpoint is then
 * closed under its worker (`SyncWorker.endpoint` → `native.close()`), a
 * defect the ControlPanel answers by restarting the worker. Measured: from
 * the close to the worker `running` again, and to the peer's next Ack. The
 * baseline, in the same round: the cold start of that worker (building it to
 * `running`), and to a fresh peer's first Ack.
 *
 * The worker binds `127.0.0.1:0`, so it comes back on another port: the
 * runner hands the peer the new ticket as soon as the node reports it, which
 * adds one message between two local processes to "the next acked unit". On
 * a fixed port the worker does not come back at all (the closed endpoint
 * keeps its socket until it is garbage collected); one attempt at that is
 * made and reported as it ends.
 */
import { Transport } from "@verse-sync/sync-worker"
import { createSocket } from "node:dgram"
import { type Case, figure, ratio } from "../Bench.ts"
import { now, toHex } from "../roles/Role.ts"
import { secondsToStart, sleep, startNode, timeoutFor } from "./shared.ts"

// Long enough for the peer's session to be under way before the defect, and for it to be back after.
const steadyBeforeMs = 500
const steadyAfterMs = 1_000

// The peer's loop stops by itself after this, should the runner never stop it.
const maxSteadyMs = 30_000

// DESIGN.md's restart budget (100 ms doubling, 5 restarts) is spent in about 3 s; this leaves room.
const giveUpTimeout = 20_000

/** A UDP port on 127.0.0.1 that was free a moment ago. */
const freeUdpPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = createSocket("udp4")
    socket.once("error", reject)
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address()
      socket.close(() => resolve(port))
    })
  })

export const restart: Case = {
  id: "restart",
  title: "6. Restart",
  run: async (bench) => {
    const secretKey = Transport.generateSecretKey()
    const trusted = [Transport.endpointIdOf(secretKey)]
    const acceptor = bench.start("acceptor", {})
    const peer = bench.start("pusher", { secretKey: toHex(secretKey) }, "peer")
    await peer.next("ready", secondsToStart)
    // One start before the rounds, so the first cold start is not also the JIT's.
    await startNode(acceptor, trusted)
    await acceptor.ask("stop", "stopped", timeoutFor.command)

    const toRunning: Array<number> = []
    const toAck: Array<number> = []
    const coldToRunning: Array<number> = []
    const coldToAck: Array<number> = []
    let redials = 0
    for (let round = 0; round < bench.rounds; round++) {
      const { ticket, startMs } = await startNode(acceptor, trusted)
      const steadyFrom = now()
      await peer.ask("steady", "steadying", timeoutFor.command, {
        ticket,
        workspace: "steady",
        intents: 100,
        maxMs: maxSteadyMs
      })
      await sleep(steadyBeforeMs)
      const restarted = await bench.measured("defect and restart", async () => {
        const restarted = await acceptor.ask("crash", "restarted", timeoutFor.command)
        await peer.ask("retarget", "retargeted", timeoutFor.command, { ticket: restarted["ticket"] })
        return restarted
      })
      await sleep(steadyAfterMs)
      const { acks, sessionEnds } = await peer.ask("stopSteady", "steadyStopped", timeoutFor.command)
      await acceptor.ask("stop", "stopped", timeoutFor.command)

      const crashedAt = restarted["crashedAt"] as number
      const runningAt = restarted["runningAt"] as number | null
      if (runningAt === null) throw new Error(`the worker did not come back: ${String(restarted["lastError"])}`)
      const ackTimes = acks as ReadonlyArray<number>
      const nextAck = ackTimes.find((at) => at > runningAt)
      if (nextAck === undefined) throw new Error("no unit was acked after the restart")
      toRunning.push(runningAt - crashedAt)
      toAck.push(nextAck - crashedAt)
      coldToRunning.push(startMs)
      // Building the worker to running, then a fresh peer's dial, Hello and first unit.
      coldToAck.push(startMs + ackTimes[0]! - steadyFrom)
      redials += (sessionEnds as ReadonlyArray<number>).length
    }

    const fixedPort = `127.0.0.1:${await freeUdpPort()}`
    await startNode(acceptor, trusted, { bindAddress: fixedPort })
    const onFixedPort = await acceptor.ask("crash", "restarted", giveUpTimeout)
    await acceptor.ask("stop", "stopped", timeoutFor.command)
    const fixedPortOutcome = onFixedPort["status"] === "running"
      ? `running again after ${
        ((onFixedPort["runningAt"] as number) - (onFixedPort["crashedAt"] as number)).toFixed(0)
      } ms`
      : `not measurable: the worker gave up (${onFixedPort["status"]}) after ${onFixedPort["restarts"]} restarts: ` +
        // The binding's message ends with its Rust source location: not for people.
        String(onFixedPort["lastError"]).split(" (/")[0]!

    return {
      figures: [
        figure("defect to running again", "ms", toRunning, {
          ratio: ratio("cold start to running", toRunning, coldToRunning)
        }),
        figure("defect to the next acked unit", "ms", toAck, {
          ratio: ratio("cold start to first Ack", toAck, coldToAck),
          detail: `${redials} sessions of the peer ended over all rounds`
        }),
        figure("cold start to running (baseline)", "ms", coldToRunning),
        figure("cold start to a fresh peer's first Ack (baseline)", "ms", coldToAck),
        { name: `defect to running again, worker bound to a fixed port`, unit: "ms", status: fixedPortOutcome }
      ],
      notes: [
        "The restart policy is DESIGN.md's: the first restart waits 100 ms, with jitter.",
        "On port 0 the worker comes back on a new port; the runner passes the new ticket to the peer."
      ]
    }
  }
}
