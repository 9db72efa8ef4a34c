/**
 * Pushing one author's intents to a peer over one session, in the order of
 * DESIGN.md "The command":
 *
 * 1. dial the ticket with this device's key and open the session, within
 *    `connectTimeout` (QUIC gives no quick "nobody there": a dial to a dead
 *    address only ever times out);
 * 2. say Hello for the one workspace and read Welcome: a workspace missing
 *    from its version vectors is one this device may not write to;
 * 3. skip what the peer already holds: every intent whose sequence is at or
 *    below the peer's version vector entry for this device;
 * 4. cut the rest into units within Welcome's limits and send them with at
 *    most `maxInFlight` unanswered, reporting each answer as it comes, and
 *    giving up when no answer comes for `answerTimeoutMs`;
 * 5. close the session with code 0 once every unit is answered.
 *
 * Every way it can end badly is a `CommandFailure` whose exit code says
 * whose problem it is: 2 when the peer refused, closed or rejected, 3 when it
 * could not be reached or the connection was lost. Before the first unit is
 * sent the push fails with it; after, it is part of the outcome, so that
 * what was answered can still be reported. A Reject does not stop the push:
 * the remaining units are still sent and answered, and the outcome counts
 * what was rejected.
 *
 * Why an answer deadline: a peer that vanishes (its process killed, its
 * machine off the network) sends no close, and QUIC notices only when its
 * idle timeout runs out, about 30 s later. A live acceptor answers a unit of
 * 1000 intents within tens of milliseconds, a second when its reducer queue
 * is full; silence far longer than that means it is gone.
 *
 * Gotchas: on a slow link, raise the answer timeout. An answer needs its
 * unit's whole frame to arrive first (typically 50 KB compressed, up to
 * 1 MiB), and a push that gives up on a live peer only has to be run again.
 */
import { sequenceOf, shortId, type SyncedIntent, type WorkspaceId } from "@verse-sync/intent"
import { CloseCode, DefaultCloseReason, type FrameCodec, type Message, SyncClient } from "@verse-sync/sync-worker"
import { Effect, Option, type Scope } from "effect"
import { CommandFailure, ExitCode, usageError } from "./ExitCode.ts"

/** What a push needs. */
export interface PushOptions {
  readonly ticket: string
  /** The peer's endpoint id, as its ticket carries it. */
  readonly peerEndpointId: string
  readonly workspace: WorkspaceId
  /** This device's intents, sequence 1 first, all authored by `endpointId`. */
  readonly intents: ReadonlyArray<SyncedIntent>
  readonly endpointId: string
  readonly secretKey: Uint8Array
  /** Where the dialing endpoint binds; it must be able to reach the peer. */
  readonly bindAddress: string
  readonly codec: FrameCodec
  /** How long dialing and the Hello may take together. */
  readonly connectTimeoutMs: number
  /** How long the peer may leave every unit in flight unanswered before the push gives up (exit 3). */
  readonly answerTimeoutMs: number
  /** Called once the units are planned, then after every answer. */
  readonly onProgress: (progress: PushProgress) => Effect.Effect<void>
}

/**
 * The counts of a push so far. Intents are counted, except in `units`.
 * `duplicates` counts both the intents skipped because Welcome showed the
 * peer holds them and those the peer's Acks reported as duplicates, so that
 * pushing a file a second time reports every intent as a duplicate.
 * `sent` is the intents in answered units: `sent = applied + (duplicates −
 * skipped) + rejected` once the push is done.
 *
 * `heldThrough` is the peer's own word on what it holds: every intent of the
 * file up to this sequence, as its Welcome showed and then each Ack's version
 * vector. A durable peer has logged them (it acks only after its commit), so
 * a push cut short by the peer's crash tells how far the work is safe.
 */
export interface PushProgress {
  /** Intents in the file. */
  readonly total: number
  /** Intents to send after skipping what the peer holds. */
  readonly toSend: number
  readonly unitsTotal: number
  readonly units: number
  readonly sent: number
  readonly applied: number
  readonly duplicates: number
  readonly rejected: number
  /** The highest sequence up to which the peer holds every intent of the file. */
  readonly heldThrough: number
  /** When the first unit was sent (ms since the epoch), for rates. */
  readonly startedAt: number
}

/**
 * How a push ended once it had started sending: its counts, the first Reject
 * if there was any, and why the session ended before every unit was answered
 * if it did (the counts then cover the units answered before).
 */
export interface PushOutcome {
  readonly progress: PushProgress
  readonly firstReject: Option.Option<Message.Reject>
  readonly endedEarly: Option.Option<CommandFailure>
}

/** Pushes `intents` to the peer of `ticket`; see the module doc for the steps. */
export const push = Effect.fn("Push.push")(
  function*(options: PushOptions): Effect.fn.Return<PushOutcome, CommandFailure, Scope.Scope> {
    const peer = `peer ${shortId(options.peerEndpointId)}`

    // 1, 2: dial, Hello, Welcome
    const { client, welcome } = yield* Effect.gen(function*() {
      const client = yield* SyncClient.connect(options.ticket, {
        secretKey: options.secretKey,
        bindAddress: options.bindAddress
      }).pipe(Effect.mapError((error) => dialFailure(error, peer, options)))
      const welcome = yield* client.hello([options.workspace]).pipe(
        Effect.catch((error) => sessionFailure(error, client, peer, options))
      )
      return { client, welcome }
    }).pipe(
      Effect.timeoutOrElse({
        duration: options.connectTimeoutMs,
        orElse: () =>
          Effect.fail(unreachable(
            `no answer from ${peer} within ${options.connectTimeoutMs / 1000} s; ` +
              "check that `verse-sync serve` runs there and that its address in the ticket is reachable from here"
          ))
      })
    )

    // 2: a workspace left out of Welcome is one this device may not write to
    if (!Object.hasOwn(welcome.versionVectors, options.workspace)) {
      return yield* refused(
        `${peer} does not let this device write to workspace ${options.workspace}; on it run: ` +
          `verse-sync trust add ${options.endpointId} --grant ${options.workspace}=read-write (or --role self)`
      )
    }

    // 3, 4: send what the peer does not hold yet
    const held = sequenceOf(welcome.versionVectors[options.workspace]!, options.endpointId)
    const missing = options.intents.filter((intent) => intent.sequence > held)
    const units = SyncClient.planUnits(options.workspace, options.endpointId, missing, {
      maxIntents: welcome.limits.maxBatchIntents,
      maxFrameBytes: welcome.limits.maxFrameBytes
    })

    let progress: PushProgress = {
      total: options.intents.length,
      toSend: missing.length,
      unitsTotal: units.length,
      units: 0,
      sent: 0,
      applied: 0,
      duplicates: options.intents.length - missing.length,
      rejected: 0,
      heldThrough: held,
      startedAt: Date.now()
    }
    let firstReject = Option.none<Message.Reject>()
    let lastAnswerAt = Date.now()
    yield* options.onProgress(progress)

    const endedEarly = yield* SyncClient.sendUnits(client, units, {
      maxInFlight: welcome.limits.maxInFlight,
      codec: options.codec,
      onAnswer: ({ answer, unit }) => {
        const size = unit.intents.length
        const heldThrough = answer.versionVector === undefined
          ? progress.heldThrough
          : Math.max(progress.heldThrough, sequenceOf(answer.versionVector, options.endpointId))
        progress = answer.type === "Ack"
          ? {
            ...progress,
            units: progress.units + 1,
            sent: progress.sent + size,
            applied: progress.applied + answer.applied,
            duplicates: progress.duplicates + answer.duplicates,
            heldThrough
          }
          : {
            ...progress,
            units: progress.units + 1,
            sent: progress.sent + size,
            rejected: progress.rejected + size,
            heldThrough
          }
        if (answer.type === "Reject" && Option.isNone(firstReject)) firstReject = Option.some(answer)
        lastAnswerAt = Date.now()
        return options.onProgress(progress)
      }
    }).pipe(
      Effect.as(Option.none<CommandFailure>()),
      Effect.catch((error) => Effect.option(Effect.flip(sessionFailure(error, client, peer, options)))),
      Effect.raceFirst(silence(() => lastAnswerAt, peer, options.answerTimeoutMs))
    )

    // 5: done (closing an already closed session changes nothing)
    yield* client.close(CloseCode.Normal, "done")
    return { progress, firstReject, endedEarly }
  }
)

/**
 * Resolves with the failure to report once `answerTimeoutMs` has passed since
 * `lastAnswerAt()` (the last answer, or the start of sending); raced against
 * sending, which it ends.
 */
const silence = (
  lastAnswerAt: () => number,
  peer: string,
  answerTimeoutMs: number
): Effect.Effect<Option.Option<CommandFailure>> =>
  Effect.gen(function*() {
    while (true) {
      const waited = Date.now() - lastAnswerAt()
      if (waited >= answerTimeoutMs) {
        return Option.some(unreachable(
          `no answer from ${peer} for ${answerTimeoutMs / 1000} s with units in flight; ` +
            "it stopped or is out of reach: push again once it runs to send what is missing"
        ))
      }
      yield* Effect.sleep(answerTimeoutMs - waited)
    }
  })

const refused = (message: string) => new CommandFailure({ exitCode: ExitCode.Refused, message })

const unreachable = (message: string) => new CommandFailure({ exitCode: ExitCode.Unreachable, message })

/** Why dialing failed: the peer closed the connection at once (it refused us), or it could not be reached. */
const dialFailure = (error: SyncClient.ClientError, peer: string, options: PushOptions): CommandFailure => {
  if (error._tag !== "ProtocolError" && error.closeCode !== undefined) {
    const reason = Object.hasOwn(DefaultCloseReason, error.closeCode)
      ? DefaultCloseReason[error.closeCode as CloseCode]
      : error.message
    return closedBy(error.closeCode, reason, peer, options)
  }
  if (error._tag !== "TransportError") return unreachable(`cannot open a session with ${peer}: ${error.message}`)
  if (error.operation === "bind") {
    return usageError(
      `cannot bind ${options.bindAddress} to dial from (${error.message}); pick another address with --bind`
    )
  }
  return unreachable(
    `cannot reach ${peer} (${error.operation}: ${error.message}); ` +
      "check that `verse-sync serve` runs there and that its address in the ticket is reachable from here"
  )
}

/**
 * Why an open session failed: the peer broke the protocol (this side closes
 * with the code of the violation), the peer closed it, or the connection was
 * lost.
 */
const sessionFailure = (
  error: SyncClient.ClientError,
  client: SyncClient.SyncClient,
  peer: string,
  options: PushOptions
): Effect.Effect<never, CommandFailure> =>
  Effect.gen(function*() {
    if (error._tag === "ProtocolError") {
      yield* client.close(error.closeCode, error.reason.slice(0, 120))
      return yield* refused(
        `${peer} broke the protocol: ${error.message}; it may run an incompatible version of verse-sync`
      )
    }
    const close = yield* client.closed.pipe(Effect.timeoutOption("1 second"))
    if (Option.isSome(close) && !close.value.local && close.value.code !== undefined) {
      return yield* closedBy(close.value.code, close.value.reason, peer, options)
    }
    return yield* unreachable(`lost the connection to ${peer} (${error.message}); push again to send what is missing`)
  })

/**
 * What a close code from the peer means for the person pushing (PROTOCOL.md
 * §4), and what to do. Every code but 0 is a refusal (exit 2); 0 mid-push
 * means the session ended early, and pushing again finishes the job (exit 3).
 */
const closedBy = (code: number, reason: string, peer: string, options: PushOptions): CommandFailure => {
  const how = `closed with code ${code}, ${JSON.stringify(reason)}`
  switch (code) {
    case CloseCode.Normal:
      return unreachable(`${peer} ended the session before answering every unit (${how}); push again`)
    case CloseCode.NotTrusted:
      return refused(
        `${peer} does not trust this device (${how}); on it run: verse-sync trust add ${options.endpointId}`
      )
    case CloseCode.Overloaded:
      return refused(`${peer} is at its session limit (${how}); try again later`)
    case CloseCode.ShuttingDown:
      return refused(`${peer} is shutting down (${how}); push again once it runs`)
    case CloseCode.Superseded:
      return refused(
        `another session of this device replaced this one on ${peer} (${how}); run one push at a time`
      )
    case CloseCode.Revoked:
      return refused(`${peer} stopped trusting this device during the push (${how})`)
    case CloseCode.UnsupportedProtocol:
      return refused(`${peer} does not speak graphshell-sync/1 (${how}); update one of the two`)
    default:
      return refused(
        `${peer} closed the session (${how}); this is a bug in one of the two ends, please report it`
      )
  }
}
