/**
 * Strangers at the door, for the "stranger flood" case: endpoints with keys
 * no node trusts, dialing graphshell-sync/1 at a steady rate. Each dial is
 * refused by the node after its handshake (close code 1); the role counts
 * what became of them.
 *
 * Options: `endpoints`, how many untrusted endpoints take turns dialing.
 *
 * Commands:
 * - `flood {ticket, perSecond, maxMs}`: starts dialing `perSecond` times a
 *   second, for at most `maxMs` (the flood stops by itself); reports
 *   `flooding`.
 * - `stopFlood`: stops dialing, waits (briefly) for the dials under way, and
 *   reports `flooded {dialed, refused, failed, ms}`.
 */
import { Transport } from "@verse-sync/sync-worker"
import { Effect, Scope } from "effect"
import * as Role from "./Role.ts"

const { endpoints: count } = Role.options<{ readonly endpoints: number }>()

// Never closed: the endpoints live as long as the role, and go with it.
const scope = Effect.runSync(Scope.make())
const endpoints = await Effect.runPromise(
  Effect.forEach(
    Array.from({ length: count }, () => Transport.generateSecretKey()),
    (secretKey) => Transport.bindDialer(secretKey),
    { concurrency: "unbounded" }
  ).pipe(Scope.provide(scope))
)

// A dial that has not been refused within this is counted as failed.
const dialTimeout = "5 seconds"

// The most dials under way at once: bounds the flood's own memory if the node stops answering.
const maxOutstanding = 2_000

interface Flood {
  stopping: boolean
  readonly startedAt: number
  dialed: number
  refused: number
  failed: number
  readonly underWay: Set<Promise<void>>
  /** Settles when no more dials will be started. */
  done: Promise<void>
}

let flood: Flood | undefined

/** One stranger's dial: connect, then wait to be closed; refused means close code 1. */
const dialOnce = (endpoint: Transport.BoundEndpoint, ticket: string) =>
  Transport.connect(endpoint, ticket).pipe(
    Effect.flatMap((connection) => connection.closed),
    Effect.map((info) => info.code === 1),
    Effect.timeout(dialTimeout),
    Effect.orElseSucceed(() => false)
  )

const startFlood = (ticket: string, perSecond: number, maxMs: number): Flood => {
  const started: Flood = {
    stopping: false,
    startedAt: Role.now(),
    dialed: 0,
    refused: 0,
    failed: 0,
    underWay: new Set(),
    done: Promise.resolve()
  }
  const run = async () => {
    // Dials are started on a schedule, not one after the other: the rate
    // holds however long each takes.
    while (!started.stopping && Role.now() - started.startedAt < maxMs) {
      const due = Math.floor((Role.now() - started.startedAt) * perSecond / 1000)
      while (started.dialed < due && started.underWay.size < maxOutstanding) {
        const endpoint = endpoints[started.dialed % endpoints.length]!
        started.dialed += 1
        const dial: Promise<void> = Effect.runPromise(dialOnce(endpoint, ticket)).then((refused) => {
          if (refused) started.refused += 1
          else started.failed += 1
          started.underWay.delete(dial)
        })
        started.underWay.add(dial)
      }
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
  }
  started.done = run()
  return started
}

Role.emit("ready", { endpoints: endpoints.length })

await Role.serveCommands(async (command) => {
  switch (command.command) {
    case "flood":
      flood = startFlood(command["ticket"] as string, command["perSecond"] as number, command["maxMs"] as number)
      Role.emit("flooding")
      break
    case "stopFlood": {
      const stopped = flood!
      stopped.stopping = true
      await stopped.done
      const ms = Role.now() - stopped.startedAt
      await Promise.race([Promise.all(stopped.underWay), new Promise((resolve) => setTimeout(resolve, 2_000))])
      Role.emit("flooded", { dialed: stopped.dialed, refused: stopped.refused, failed: stopped.failed, ms })
      break
    }
  }
})
