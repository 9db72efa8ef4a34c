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
 *    wire); and the same two pushes into a worker with the durable reducer
 *    (the sync log, `synchronous` FULL, on a fresh `sync.db` in a temporary
 *    directory), as a fraction of the in-memory push of the same codec.
 *
 * Each round: the baseline, then for each codec an in-memory push and a
 * durable one, each push into a new worker. One DEFLATE push of each kind
 * before the rounds warms the two processes' JIT.
 *
 * Gotchas: the durable figures include an fsync a unit on whatever disk holds
 * the system's temporary directory; they say nothing of another disk, and
 * are only as durable as this one is honest about its flushes.
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

    const push = async (codec: "json" | "deflate", durable: boolean, measure: boolean) => {
      const { ticket } = await startNode(acceptor, trusted, { durable })
      const ask = () => pusher.ask("push", "pushed", timeoutFor.push, { ticket, codec })
      const during = `ingest, ${codec}${durable ? ", durable log" : ""}`
      const pushed = measure ? await bench.measured(during, ask) : await ask()
      await ingestedWhole(acceptor, pushed)
      await acceptor.ask("stop", "stopped", timeoutFor.command)
      return pushed
    }

    await push("deflate", false, false)
    await push("deflate", true, false)

    const baseline: Array<number> = []
    const json: Array<number> = []
    const deflate: Array<number> = []
    const jsonDurable: Array<number> = []
    const deflateDurable: Array<number> = []
    let intents = 0
    let deflateBytes = 0
    const intentsPerSecond = (pushed: Awaited<ReturnType<typeof push>>) => {
      intents = pushed["intents"] as number
      return intents / (pushed["ms"] as number) * 1000
    }
    for (let round = 0; round < bench.rounds; round++) {
      const streamed = await bench.measured(
        "transport baseline",
        () => sender.ask("stream", "streamed", timeoutFor.push)
      )
      baseline.push(megabytes(streamed["bytes"] as number) / (streamed["ms"] as number) * 1000)
      json.push(intentsPerSecond(await push("json", false, true)))
      jsonDurable.push(intentsPerSecond(await push("json", true, true)))
      const pushedDeflate = await push("deflate", false, true)
      deflateBytes = pushedDeflate["wireBytes"] as number
      deflate.push(intentsPerSecond(pushedDeflate))
      deflateDurable.push(intentsPerSecond(await push("deflate", true, true)))
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
        figure("2. ingest, JSON codec, durable log (synchronous FULL)", "intents/s", jsonDurable, {
          ratio: ratio("in-memory JSON ingest", jsonDurable, json),
          detail: "a fresh sync.db in a temporary directory, deleted after the push"
        }),
        figure("2. ingest, DEFLATE codec, durable log (synchronous FULL)", "intents/s", deflateDurable, {
          ratio: ratio("in-memory DEFLATE ingest", deflateDurable, deflate),
          detail: "as above"
        })
      ],
      notes: [
        "Every push goes into a new worker with an empty reducer, logs off (TestWorker.layer): in memory, or the " +
        "sync log on a fresh sync.db (SyncLog.layerReducer, synchronous FULL).",
        "A push's time runs from its first unit written to its last Ack; dialing and Hello are not in it."
      ]
    }
  }
}
