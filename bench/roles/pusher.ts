/**
 * A trusted peer for the benchmark: dials a node with `SyncClient`, as
 * `verse-sync push` does, and sends it the history, timed.
 *
 * Options: the `secretKey` (hex) the node trusts.
 *
 * Commands, each on a new session with the node of its `ticket`:
 * - `push {codec, workspace, intents?}`: the history (its first `intents`
 *   only, if given) in units of 1000, with as many unanswered as Welcome
 *   allows; reports `pushed` with the time from the first unit sent to the
 *   last answer (`ms`), and the counts.
 * - `probe {count, intents, workspace}`: `count` units of `intents` intents,
 *   one at a time; reports `probed {samples}`, each from the unit written to
 *   its Ack, in ms.
 * - `load {workspace, maxMs}` and `stopLoad`: the history again and again,
 *   into `<workspace>-1`, `<workspace>-2`, … (so every pass applies), until
 *   stopped or `maxMs`; reports `loading` once sending, then `loadStopped`.
 * - `steady {workspace, intents, maxMs}` and `stopSteady`: units of
 *   `intents`, one at a time, redialing at once whenever the session ends;
 *   reports `steadyStopped {acks, sessionEnds}`, the time of each Ack and of
 *   each session's end. `retarget {ticket}` makes its next dials go to
 *   another ticket (a node that came back on another port).
 */
import type { SyncedIntent } from "@verse-sync/intent"
import { encodeFrame, type FrameCodec, Message, SyncClient, Transport } from "@verse-sync/sync-worker"
import { Deferred, Effect, Exit, Fiber, Option } from "effect"
import * as Dataset from "../Dataset.ts"
import * as Role from "./Role.ts"

const { secretKey: secretKeyHex } = Role.options<{ readonly secretKey: string }>()
const secretKey = Role.fromHex(secretKeyHex)
const author = Transport.endpointIdOf(secretKey)
const history = Dataset.readHistory(author)
const units = Dataset.planUnits(author, history)

// The units of a shorter history, planned once each.
const unitsOfPrefix = new Map<number, ReadonlyArray<SyncClient.PlannedUnit>>()
const unitsOf = (intents: number) => {
  if (intents >= history.length) return units
  if (!unitsOfPrefix.has(intents)) unitsOfPrefix.set(intents, Dataset.planUnits(author, history.slice(0, intents)))
  return unitsOfPrefix.get(intents)!
}

// The bytes each codec puts on the wire for a history, measured once (outside any timing).
const wireBytes = new Map<string, number>()
const wireBytesOf = (intents: number, codec: FrameCodec) => {
  const key = `${intents} ${codec}`
  if (!wireBytes.has(key)) {
    wireBytes.set(key, Dataset.totalBytes(Dataset.unitFrames(author, unitsOf(intents), codec)))
  }
  return wireBytes.get(key)!
}

// How long a dial (QUIC handshake, Hello, Welcome) may take: the node's own
// handshake timeout. On loopback it takes milliseconds, but under a stranger
// flood a trusted dial waits its turn among the strangers' handshakes.
const dialTimeout = "10 seconds"

/** Dials, says Hello for `workspace`, and returns the client with the author's entry of its version vector. */
const join = (ticket: string, workspace: string) =>
  Effect.gen(function*() {
    const client = yield* SyncClient.connect(ticket, { secretKey })
    const welcome = yield* client.hello([workspace])
    const applied = welcome.versionVectors[workspace]?.[author] ?? 0
    return { client, welcome, applied }
  }).pipe(Effect.timeout(dialTimeout))

/** Units for another workspace. */
const inWorkspace = (
  planned: ReadonlyArray<SyncClient.PlannedUnit>,
  workspaceId: string
): ReadonlyArray<SyncClient.PlannedUnit> =>
  workspaceId === Dataset.workspace ? planned : planned.map((unit) => ({ ...unit, workspaceId }))

/** Sends one unit and waits for its answer; fails on a Reject. */
const sendOne = (
  client: SyncClient.SyncClient,
  workspaceId: string,
  batch: number,
  intents: ReadonlyArray<SyncedIntent>
) =>
  Effect.gen(function*() {
    const frame = encodeFrame({ type: "SyncUnit", batch, workspaceId, fromPeer: author, intents }, "json")
    const sentAt = Role.now()
    yield* client.frames.sendRaw(frame)
    const answer = yield* client.nextAnswer
    if (answer.type === "Reject") return yield* Effect.die(new Error(`unit rejected: ${answer.message}`))
    return { answer, ms: Role.now() - sentAt }
  })

const push = (ticket: string, codec: FrameCodec, workspace: string, intents: number) =>
  Effect.scoped(Effect.gen(function*() {
    const planned = inWorkspace(unitsOf(intents), workspace)
    const dialedAt = Role.now()
    const { client, welcome } = yield* join(ticket, workspace)
    const startedAt = Role.now()
    const outcomes = yield* SyncClient.sendUnits(client, planned, {
      maxInFlight: welcome.limits.maxInFlight,
      codec
    })
    const finishedAt = Role.now()
    yield* client.close()
    let applied = 0
    let rejected = 0
    for (const { answer } of outcomes) {
      if (answer.type === "Ack") applied += answer.applied
      else rejected += 1
    }
    return {
      connectMs: startedAt - dialedAt,
      ms: finishedAt - startedAt,
      units: outcomes.length,
      applied,
      rejected
    }
  }))

const probe = (ticket: string, count: number, size: number, workspace: string) =>
  Effect.scoped(Effect.gen(function*() {
    const { client, applied } = yield* join(ticket, workspace)
    const samples: Array<number> = []
    for (let index = 0; index < count; index++) {
      const from = applied + index * size
      const { ms } = yield* sendOne(client, workspace, index + 1, history.slice(from, from + size))
      samples.push(ms)
    }
    yield* client.close()
    return samples
  }))

/** A loop in the background, stopped by its `stop` flag or its own deadline. */
interface Background {
  readonly stop: { requested: boolean }
  readonly fiber: Fiber.Fiber<object, unknown>
}

const load = (ticket: string, workspace: string, maxMs: number, started: () => void): Background => {
  const stop = { requested: false }
  return {
    stop,
    fiber: Effect.runFork(Effect.scoped(Effect.gen(function*() {
      const { client, welcome } = yield* join(ticket, workspace)
      started()
      const startedAt = Role.now()
      const deadline = startedAt + maxMs
      // Sent in slices, so a stop is seen within a slice; the pipe drains at each boundary.
      const slice = 32
      let batch = 1
      let sent = 0
      for (let pass = 1; !stop.requested && Role.now() < deadline; pass++) {
        const passUnits = inWorkspace(units, `${workspace}-${pass}`)
        for (let start = 0; start < passUnits.length && !stop.requested && Role.now() < deadline; start += slice) {
          const chunk = passUnits.slice(start, start + slice)
          yield* SyncClient.sendUnits(client, chunk, { maxInFlight: welcome.limits.maxInFlight, firstBatch: batch })
          batch += chunk.length
          sent += chunk.reduce((sum, unit) => sum + unit.intents.length, 0)
        }
      }
      yield* client.close()
      return { intents: sent, ms: Role.now() - startedAt }
    })))
  }
}

// Where the steady loop dials next. `retarget` changes it and wakes the loop,
// which leaves the session under way (likely waiting on a node that is gone,
// or closing its endpoint) to end in the background and dials at once.
let steadyTicket = ""
let retargeted: Deferred.Deferred<void> | undefined

const steady = (workspace: string, size: number, maxMs: number): Background => {
  const stop = { requested: false }
  const acks: Array<number> = []
  const sessionEnds: Array<number> = []
  const deadline = Role.now() + maxMs
  const session = Effect.scoped(Effect.gen(function*() {
    const { client, applied } = yield* join(steadyTicket, workspace)
    let next = applied
    for (let batch = 1; !stop.requested && Role.now() < deadline && next < history.length; batch++) {
      const { answer } = yield* sendOne(client, workspace, batch, history.slice(next, next + size))
      acks.push(Role.now())
      next = (answer as Message.Ack).versionVector[author] ?? next
    }
    yield* client.close()
  }))
  return {
    stop,
    fiber: Effect.runFork(Effect.gen(function*() {
      while (!stop.requested && Role.now() < deadline) {
        const signal = yield* Deferred.make<void>()
        retargeted = signal
        const current = yield* Effect.forkDetach(session)
        const ended = yield* Effect.raceFirst(
          Fiber.await(current).pipe(Effect.map(Option.some)),
          Deferred.await(signal).pipe(Effect.as(Option.none()))
        )
        if (Option.isNone(ended)) {
          yield* Effect.forkDetach(Fiber.interrupt(current))
          sessionEnds.push(Role.now())
        } else if (Exit.isFailure(ended.value)) {
          sessionEnds.push(Role.now())
        }
      }
      return { acks, sessionEnds }
    }))
  }
}

let background: Background | undefined

const stopBackground = async (): Promise<object> => {
  const running = background!
  background = undefined
  running.stop.requested = true
  return Effect.runPromise(Fiber.join(running.fiber))
}

Role.emit("ready", { author, intents: history.length, units: units.length })

await Role.serveCommands(async (command) => {
  const ticket = command["ticket"] as string
  const workspace = (command["workspace"] as string | undefined) ?? Dataset.workspace
  switch (command.command) {
    case "push": {
      const codec = command["codec"] as FrameCodec
      const intents = Math.min(history.length, (command["intents"] as number | undefined) ?? history.length)
      const result = await Effect.runPromise(push(ticket, codec, workspace, intents))
      Role.emit("pushed", {
        ...result,
        codec,
        intents,
        jsonBytes: wireBytesOf(intents, "json"),
        wireBytes: wireBytesOf(intents, codec)
      })
      break
    }
    case "probe": {
      const samples = await Effect.runPromise(
        probe(ticket, command["count"] as number, command["intents"] as number, workspace)
      )
      Role.emit("probed", { samples })
      break
    }
    case "load": {
      // Reports `loading` once the session is sending, or fails if it could not start.
      await new Promise<void>((resolve, reject) => {
        const started = load(ticket, workspace, command["maxMs"] as number, resolve)
        background = started
        Effect.runPromise(Fiber.await(started.fiber)).then((exit) => {
          if (Exit.isFailure(exit)) reject(new Error(`load failed: ${exit.cause}`))
        })
      })
      Role.emit("loading")
      break
    }
    case "steady":
      steadyTicket = ticket
      background = steady(workspace, command["intents"] as number, command["maxMs"] as number)
      Role.emit("steadying")
      break
    case "retarget":
      steadyTicket = ticket
      if (retargeted !== undefined) Effect.runSync(Deferred.succeed(retargeted, undefined))
      Role.emit("retargeted")
      break
    case "stopLoad":
      Role.emit("loadStopped", await stopBackground())
      break
    case "stopSteady":
      Role.emit("steadyStopped", await stopBackground())
      break
  }
})
