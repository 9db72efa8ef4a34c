/**
 * The sending end of the transport baseline: writes the ingest case's bytes
 * (the JSON frames of the whole history, in units of 1000 intents) to a
 * `rawReceiver` over one bare iroh stream, and times it.
 *
 * Options: `ticket` of the receiver.
 *
 * Commands, each on a new connection (its setup is not timed):
 * - `stream`: writes every frame, one `writeAll` each with no limit on what
 *   is unanswered, and stops the clock at the last answer; reports
 *   `streamed {bytes, frames, ms}`.
 * - `echo {count, intents}`: writes frames of `intents`-intent units one at a
 *   time, each waiting for its answer; reports `echoed {samples}`, each round
 *   trip in ms (the baseline of ack latency).
 */
import * as Dataset from "../Dataset.ts"
import { answerFrame, bind, connect, toNative } from "./RawIroh.ts"
import * as Role from "./Role.ts"

const { ticket } = Role.options<{ readonly ticket: string }>()

const endpoint = await bind({ accepting: false })
const author = endpoint.id().toString()
const history = Dataset.readHistory(author)
const framesOf = (size: number) => Dataset.unitFrames(author, Dataset.planUnits(author, history, size), "json")
const frames = framesOf(Dataset.intentsPerUnit)
const nativeFrames = frames.map(toNative)

/** Reads answers until `count` of them have arrived. */
const readAnswers = async (recv: { read: (limit: number) => Promise<Array<number>> }, count: number) => {
  let expected = count * answerFrame.length
  while (expected > 0) {
    const read = await recv.read(64 * 1024)
    if (read.length === 0) throw new Error("the receiver finished early")
    expected -= read.length
  }
}

Role.emit("ready", { bytes: Dataset.totalBytes(frames), frames: frames.length })

await Role.serveCommands(async (command) => {
  const connection = await connect(endpoint, ticket)
  const stream = await connection.openBi()
  switch (command.command) {
    case "stream": {
      const startedAt = Role.now()
      const answers = readAnswers(stream.recv, frames.length)
      for (let index = 0; index < frames.length; index++) {
        await stream.send.writeAll(nativeFrames[index]!)
      }
      await answers
      const ms = Role.now() - startedAt
      Role.emit("streamed", { bytes: Dataset.totalBytes(frames), frames: frames.length, ms })
      break
    }
    case "echo": {
      const probes = framesOf(command["intents"] as number).slice(0, command["count"] as number)
      const samples: Array<number> = []
      for (const frame of probes) {
        const nativeFrame = toNative(frame)
        const sentAt = Role.now()
        await stream.send.writeAll(nativeFrame)
        await readAnswers(stream.recv, 1)
        samples.push(Role.now() - sentAt)
      }
      Role.emit("echoed", { samples })
      break
    }
  }
  await stream.send.finish()
  connection.close(0n, [])
})
