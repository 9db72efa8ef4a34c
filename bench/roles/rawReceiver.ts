/**
 * The receiving end of the transport baseline: a bare iroh endpoint that,
 * on every connection, takes the one bidirectional stream, reads it in the
 * worker's chunk size, and answers each frame that ends with an Ack-sized
 * reply. No frame is decoded: this is the least work a receiver can do.
 *
 * Commands: `awaitAnswered {count}` reports `answered {at}` once that many
 * more connections have had their first answer (the baseline of "many
 * peers");
 * `memory` reports `memory {rss, heapUsed}`.
 */
import { SyncWorkerConfig } from "@verse-sync/sync-worker"
import { answerFrame, bind, FrameCounter, ticketOf, toNative } from "./RawIroh.ts"
import * as Role from "./Role.ts"

// The worker's read size, so the baseline crosses the binding as often as the worker does.
const readChunkBytes = SyncWorkerConfig.defaultConfig.readChunkBytes

const answer = toNative(answerFrame)
let answeredConnections = 0
let onAnswered = () => {}

const endpoint = await bind({ accepting: true })

const serve = async (incoming: NonNullable<Awaited<ReturnType<typeof endpoint.acceptNext>>>) => {
  const connection = await (await incoming.accept()).connect()
  const stream = await connection.acceptBi()
  const counter = new FrameCounter()
  let answeredOnce = false
  while (true) {
    const chunk = await stream.recv.read(readChunkBytes)
    if (chunk.length === 0) break
    for (let ended = counter.count(chunk); ended > 0; ended--) {
      await stream.send.writeAll(answer)
      if (!answeredOnce) {
        answeredOnce = true
        answeredConnections += 1
        onAnswered()
      }
    }
  }
  await stream.send.finish()
}

void (async () => {
  while (true) {
    const incoming = await endpoint.acceptNext()
    if (incoming === null) return
    serve(incoming).catch(() => {})
  }
})()

Role.emit("ready", { ticket: ticketOf(endpoint) })

await Role.serveCommands(async (command) => {
  switch (command.command) {
    case "awaitAnswered": {
      const until = answeredConnections + (command["count"] as number)
      await new Promise<void>((resolve) => {
        onAnswered = () => {
          if (answeredConnections >= until) resolve()
        }
      })
      Role.emit("answered", { at: Role.now() })
      break
    }
    case "memory":
      Role.emit("memory", Role.memory())
      break
  }
})
