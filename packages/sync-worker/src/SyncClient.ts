/**
 * The dialing side of graphshell-sync/1: connect to an acceptor by ticket,
 * say Hello, read Welcome, send units and read their answers.
 *
 * `verse-sync push` is built on it, and so is the test harness's `TestPeer`,
 * which also reaches under it (`frames.sendRaw`) to misbehave on purpose.
 *
 * `sendUnits` keeps up to the acceptor's `maxInFlight` units unanswered, so
 * the round trip is hidden behind the next units, and never more, so the
 * acceptor is never asked to buffer what it did not offer to.
 */
import type { SyncedIntent, WorkspaceId } from "@verse-sync/intent"
import { Data, Effect, Option } from "effect"
import { ProtocolError } from "./CloseCode.ts"
import { encodeFrame, type FrameCodec } from "./Frame.ts"
import * as FrameStream from "./FrameStream.ts"
import { defaultLimits } from "./Limits.ts"
import * as Message from "./Message.ts"
import { defaultConfig } from "./SyncWorkerConfig.ts"
import * as Transport from "./Transport.ts"

/** The acceptor ended the session, or never answered as the protocol says. */
export class SessionEnded extends Data.TaggedError("SessionEnded")<{
  readonly message: string
  readonly closeCode: number | undefined
}> {}

/** Everything that can end a client's session early. */
export type ClientError = Transport.TransportError | ProtocolError | SessionEnded

/** An open session to an acceptor. */
export interface SyncClient {
  readonly endpoint: Transport.BoundEndpoint
  readonly connection: Transport.PeerConnection
  readonly frames: FrameStream.FrameStream
  /** The acceptor's endpoint id, as its handshake proved it. */
  readonly remoteEndpointId: string
  /** Sends Hello and reads Welcome. */
  readonly hello: (workspaces: ReadonlyArray<WorkspaceId>) => Effect.Effect<Message.Welcome, ClientError>
  /** Reads the next Ack or Reject. */
  readonly nextAnswer: Effect.Effect<Message.Ack | Message.Reject, ClientError>
  /** Closes with code 0 (or another) and waits briefly for the close to go out. */
  readonly close: (code?: number, reason?: string) => Effect.Effect<void>
  /** Waits for the connection to close and says how. */
  readonly closed: Effect.Effect<Transport.CloseInfo>
}

/** How to dial. */
export interface ConnectOptions {
  readonly secretKey: Uint8Array
  /** Where the dialer's own endpoint binds; loopback by default. */
  readonly bindAddress?: string | undefined
  readonly agent?: string | undefined
}

/** Dials the acceptor named by `ticket` from an endpoint of its own and opens the session stream. */
export const connect = Effect.fn("SyncClient.connect")(function*(ticket: string, options: ConnectOptions) {
  const endpoint = yield* Transport.bind({
    secretKey: options.secretKey,
    bindAddress: options.bindAddress ?? "127.0.0.1:0"
  })
  return yield* connectFrom(endpoint, ticket, options)
})

/**
 * Dials from an endpoint the caller already bound (many sessions may share
 * one) and opens the session stream; the connection closes with the scope.
 */
export const connectFrom = Effect.fn("SyncClient.connectFrom")(function*(
  endpoint: Transport.BoundEndpoint,
  ticket: string,
  options: { readonly agent?: string | undefined } = {}
) {
  const connection = yield* Transport.connect(endpoint, ticket)
  yield* Effect.addFinalizer(() => connection.close(0, "done"))
  const stream = yield* connection.openStream.pipe(
    Effect.catchTag("TransportError", (error): Effect.Effect<never, ClientError> =>
      error.closeCode === undefined
        ? Effect.fail(error)
        : Effect.fail(
          new SessionEnded({ message: `closed before the session began: ${error.message}`, closeCode: error.closeCode })
        ))
  )
  const frames = FrameStream.make(stream, defaultLimits, defaultConfig.readChunkBytes)
  const selfEndpointId = endpoint.endpointId

  const ended = (message: string): Effect.Effect<never, SessionEnded> =>
    connection.closed.pipe(
      Effect.timeoutOption("1 second"),
      Effect.flatMap((info) =>
        Effect.fail(
          new SessionEnded({
            message: Option.match(info, {
              onNone: () => message,
              onSome: (close) => `${message}: closed with code ${close.code ?? "none"} (${close.reason})`
            }),
            closeCode: Option.getOrUndefined(info)?.code
          })
        )
      )
    )

  const nextMessage = (what: string): Effect.Effect<FrameStream.JsonObject, ClientError> =>
    frames.next.pipe(
      Effect.catchTag("TransportError", (error): Effect.Effect<never, ClientError> =>
        error.closeCode === undefined ? Effect.fail(error) : ended(`session ended while waiting for ${what}`)),
      Effect.flatMap((next) =>
        Option.isSome(next) ? Effect.succeed(next.value) : ended(`stream ended before ${what}`)
      )
    )

  const client: SyncClient = {
    endpoint,
    connection,
    frames,
    remoteEndpointId: connection.remoteEndpointId,
    hello: (workspaces) =>
      Effect.gen(function*() {
        yield* frames.send(
          Message.makeHello({ endpointId: selfEndpointId, agent: options.agent ?? "verse-sync/0.1.0", workspaces })
        )
        const welcome = Message.decodeWelcome(yield* nextMessage("Welcome"))
        return yield* Effect.fromResult(welcome)
      }),
    nextAnswer: Effect.gen(function*() {
      const answer = Message.decodeAnswer(yield* nextMessage("an answer"))
      return yield* Effect.fromResult(answer)
    }),
    close: (code = 0, reason = "done") =>
      connection.close(code, reason).pipe(
        Effect.andThen(connection.closed.pipe(Effect.timeoutOption("500 millis"))),
        Effect.asVoid
      ),
    closed: connection.closed
  }
  return client
})

/** One unit to send: its workspace and intents; the batch number is assigned when sent. */
export interface PlannedUnit {
  readonly workspaceId: WorkspaceId
  readonly intents: ReadonlyArray<SyncedIntent>
}

/** What became of one sent unit. */
export interface UnitOutcome {
  readonly unit: PlannedUnit
  readonly batch: number
  readonly answer: Message.Ack | Message.Reject
}

/**
 * Sends `units` in order, numbering batches from `firstBatch`, with at most
 * `maxInFlight` unanswered, and reports each answer as it arrives. Resolves
 * when every unit is answered.
 */
export const sendUnits = (
  client: SyncClient,
  units: ReadonlyArray<PlannedUnit>,
  options: {
    readonly maxInFlight: number
    /** DEFLATE unless told otherwise: the binding's cost is per byte, and DEFLATE sends a ninth of them. */
    readonly codec?: FrameCodec | undefined
    readonly firstBatch?: number | undefined
    readonly onAnswer?: ((outcome: UnitOutcome) => Effect.Effect<void>) | undefined
  }
): Effect.Effect<ReadonlyArray<UnitOutcome>, ClientError> =>
  Effect.gen(function*() {
    const firstBatch = options.firstBatch ?? 1
    const outcomes: Array<UnitOutcome> = []
    const fromPeer = client.endpoint.endpointId
    let sent = 0
    while (outcomes.length < units.length) {
      if (sent < units.length && sent - outcomes.length < options.maxInFlight) {
        const unit = units[sent]!
        const batch = firstBatch + sent
        yield* client.frames.sendRaw(
          encodeFrame(
            { type: "SyncUnit", batch, workspaceId: unit.workspaceId, fromPeer, intents: unit.intents },
            options.codec ?? "deflate"
          )
        )
        sent += 1
        continue
      }
      const answer = yield* client.nextAnswer
      const index = answer.batch - firstBatch
      if (index !== outcomes.length) {
        return yield* new SessionEnded({
          message: `answer for batch ${answer.batch} came out of order (expected ${firstBatch + outcomes.length})`,
          closeCode: undefined
        })
      }
      const outcome: UnitOutcome = { unit: units[index]!, batch: answer.batch, answer }
      outcomes.push(outcome)
      if (options.onAnswer !== undefined) yield* options.onAnswer(outcome)
    }
    return outcomes
  })

/**
 * Cuts intents into units of at most `maxIntents`, and smaller where a unit's
 * frame would exceed `maxFrameBytes` (long URLs and titles make some intents
 * many times the usual size).
 */
export const planUnits = (
  workspaceId: WorkspaceId,
  fromPeer: string,
  intents: ReadonlyArray<SyncedIntent>,
  limits: { readonly maxIntents: number; readonly maxFrameBytes: number }
): ReadonlyArray<PlannedUnit> => {
  const units: Array<PlannedUnit> = []
  const fits = (slice: ReadonlyArray<SyncedIntent>) =>
    encodeFrame({ type: "SyncUnit", batch: Number.MAX_SAFE_INTEGER, workspaceId, fromPeer, intents: slice }, "json")
          .length - 4 <= limits.maxFrameBytes
  let start = 0
  while (start < intents.length) {
    let size = Math.min(limits.maxIntents, intents.length - start)
    while (size > 1 && !fits(intents.slice(start, start + size))) size = Math.ceil(size / 2)
    units.push({ workspaceId, intents: intents.slice(start, start + size) })
    start += size
  }
  return units
}
