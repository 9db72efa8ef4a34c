/**
 * Cases 1 and 2, measured in the same rounds so each ingest figure has its
 * baseline from the same minutes of the machine:
 *
 * 1. the transport baseline: the ingest's bytes (the JSON frames of the whole
 *    history, 1000 intents a unit) through a bare iroh stream between two
 *    processes, answered frame by frame, with no protocol;
 * 2. ingest: the same history pushed by a `SyncClient` into a fresh
 *    SyncWorker with the in-memory reducer, with the JSON codec and with
 *    DEFLATE, in intents per second and as a fraction of the baseline's bytes
 *    per second (of the history's JSON bytes, whatever the codec put on the
 *    wire).
 *
 * Each round: the baseline, a JSON push and a DEFLATE push, each push into a
 * new worker. One DEFLATE push before the rounds warms the two processes' JIT.
 */
import { Transport } from "@verse-sync/sync-worker"
import { type Case, figure, ratio } from "../Bench.ts"
import { toHex } from "../roles/Role.ts"
import { ingestedWhole, megabytes, secondsToStart, startNode, timeoutFor } from "./shared.ts"

export const throughput: Case = {
  id: "throughput",
  title: "1–2. Transport baseline and ingest",
  run: async (bench) => {
    const secretKey = Transport.generateSecretKey()
    const trusted = [Transport.endpointIdOf(secretKey)]
    const receiver = bench.start("rawReceiver", {}, "raw-receiver")
    const acceptor = bench.start("acceptor", {})
    const pusher = bench.start("pusher", { secretKey: toHex(secretKey) })
    const { ticket: rawTicket } = await receiver.next("ready", secondsToStart)
    const sender = bench.start("rawSender", { ticket: rawTicket }, "raw-sender")
    const { bytes: frameBytes } = await sender.next("ready", secondsToStart)
    await pusher.next("ready", secondsToStart)

    const push = async (codec: "json" | "deflate", measure: boolean) => {
      const { ticket } = await startNode(acceptor, trusted)
      const ask = () => pusher.ask("push", "pushed", timeoutFor.push, { ticket, codec })
      const pushed = measure ? await bench.measured(`ingest, ${codec}`, ask) : await ask()
      await ingestedWhole(acceptor, pushed)
      await acceptor.ask("stop", "stopped", timeoutFor.command)
      return pushed
    }

    await push("deflate", false)

    const baseline: Array<number> = []
    const json: Array<number> = []
    const deflate: Array<number> = []
    let intents = 0
    let deflateBytes = 0
    for (let round = 0; round < bench.rounds; round++) {
      const streamed = await bench.measured(
        "transport baseline",
        () => sender.ask("stream", "streamed", timeoutFor.push)
      )
      baseline.push(megabytes(streamed["bytes"] as number) / (streamed["ms"] as number) * 1000)
      const pushedJson = await push("json", true)
      intents = pushedJson["intents"] as number
      json.push(intents / (pushedJson["ms"] as number) * 1000)
      const pushedDeflate = await push("deflate", true)
      deflateBytes = pushedDeflate["wireBytes"] as number
      deflate.push(intents / (pushedDeflate["ms"] as number) * 1000)
    }

    // Intents per second as the history's JSON bytes per second, to set beside the baseline.
    const bytesPerIntent = megabytes(frameBytes as number) / intents
    const asMegabytes = (rates: ReadonlyArray<number>) => rates.map((rate) => rate * bytesPerIntent)
    const mb = (bytes: number) => `${megabytes(bytes).toFixed(1)} MB`
    return {
      figures: [
        figure("1. transport baseline: bare iroh stream, two processes", "MB/s", baseline, {
          detail: `${
            mb(frameBytes as number)
          } of JSON frames in 145 writes, each answered by ${"an Ack-sized reply"}; bytes stay number[] on both sides`
        }),
        figure("2. ingest, JSON codec, in-memory reducer", "intents/s", json, {
          ratio: ratio("baseline bytes/s", asMegabytes(json), baseline),
          detail: `${intents} intents, ${mb(frameBytes as number)} on the wire`
        }),
        figure("2. ingest, DEFLATE codec, in-memory reducer", "intents/s", deflate, {
          ratio: ratio("baseline bytes/s", asMegabytes(deflate), baseline),
          detail: `${mb(deflateBytes)} on the wire; the ratio counts the history's JSON bytes`
        }),
        {
          name: "2. ingest, JSON codec, durable log",
          unit: "intents/s",
          status: "not yet measured: durable log not merged"
        }
      ],
      notes: [
        "Every push goes into a new worker with an empty in-memory reducer, logs off (TestWorker.layer).",
        "A push's time runs from its first unit written to its last Ack; dialing and Hello are not in it."
      ]
    }
  }
}
