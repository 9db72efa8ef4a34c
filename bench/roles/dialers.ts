/**
 * Many peers at once, for the "many peers" case: `count` endpoints bound up
 * front (a real peer is bound long before it dials), each with its own key,
 * that dial together on `dial`.
 *
 * Options: `secretKeys` (hex), one endpoint each.
 *
 * Commands:
 * - `dial {ticket, mode}`: every endpoint dials at once. `sync` says Hello
 *   (for one workspace) and reads Welcome, as `SyncClient` does; `raw` dials
 *   the transport baseline's receiver and writes a frame of Hello's size.
 *   Reports `dialing {startedAt}` just before, and `dialed {answeredAt}` when
 *   every peer has its answer. The connections stay open (idle).
 * - `close`: closes every connection with code 0; reports `closed`.
 */
import { encodeFrame, FrameStream, Message, SyncWorkerConfig, Transport } from "@verse-sync/sync-worker"
import { Effect, Scope } from "effect"
import * as Dataset from "../Dataset.ts"
import { alpn } from "./RawIroh.ts"
import * as Role from "./Role.ts"

const { secretKeys } = Role.options<{ readonly secretKeys: ReadonlyArray<string> }>()

// Never closed: the endpoints live as long as the role, and go with it.
const scope = Effect.runSync(Scope.make())
const endpoints = await Effect.runPromise(
  Effect.forEach(
    secretKeys,
    (secretKey) => Transport.bindDialer(Role.fromHex(secretKey)),
    { concurrency: "unbounded" }
  ).pipe(Scope.provide(scope))
)

/** The first frame each peer writes: its Hello. */
const helloOf = (endpointId: string) =>
  Message.makeHello({ endpointId, agent: "verse-sync-bench/0.1.0", workspaces: [Dataset.workspace] })

/**
 * What `SyncClient.connect` and `hello` do, from an endpoint bound before the
 * clock starts (`SyncClient.connect` binds its own).
 */
const joinSync = (endpoint: Transport.BoundEndpoint, ticket: string) =>
  Effect.gen(function*() {
    const connection = yield* Transport.connect(endpoint, ticket)
    const stream = yield* connection.openStream
    const frames = FrameStream.make(
      stream,
      SyncWorkerConfig.defaultConfig,
      SyncWorkerConfig.defaultConfig.readChunkBytes
    )
    yield* frames.send(helloOf(endpoint.endpointId))
    const welcome = yield* frames.next
    if (welcome._tag === "None") return yield* Effect.die(new Error("no Welcome"))
    return { connection, stream }
  })

/** The same exchange with the baseline's receiver: a Hello-sized frame out, its answer back. */
const joinRaw = (endpoint: Transport.BoundEndpoint, ticket: string) =>
  Effect.gen(function*() {
    const connection = yield* Transport.connect(endpoint, ticket, alpn)
    const stream = yield* connection.openStream
    yield* stream.write(encodeFrame(helloOf(endpoint.endpointId), "json"))
    yield* stream.read(64 * 1024)
    return { connection, stream }
  })

// The streams are kept with their connections: a stream the garbage collector
// takes is finished by the binding, which ends a session (code 0) as surely
// as closing it.
let open: ReadonlyArray<{ readonly connection: Transport.PeerConnection; readonly stream: Transport.SessionStream }> =
  []

Role.emit("ready", { count: endpoints.length })

await Role.serveCommands(async (command) => {
  switch (command.command) {
    case "dial": {
      const ticket = command["ticket"] as string
      const join = command["mode"] === "raw" ? joinRaw : joinSync
      const startedAt = Role.now()
      Role.emit("dialing", { startedAt })
      open = await Effect.runPromise(
        Effect.forEach(endpoints, (endpoint) => join(endpoint, ticket), { concurrency: "unbounded" })
      )
      Role.emit("dialed", { answeredAt: Role.now() })
      break
    }
    case "close":
      await Effect.runPromise(Effect.forEach(open, ({ connection }) => connection.close(0, "done"), { discard: true }))
      open = []
      Role.emit("closed")
      break
  }
})
