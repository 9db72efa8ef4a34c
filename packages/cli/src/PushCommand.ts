/**
 * `verse-sync push <ticket> <intents.jsonl>`: sends this device's intents
 * to a peer (DESIGN.md "The command"). The file is read and checked whole
 * before dialing (`IntentsFile.ts`); the session is `Push.ts`.
 *
 * What it prints:
 *
 * - while pushing, a progress bar on stderr when stderr is a terminal; with
 *   `--json`, `{"event":"progress",…}` records on stdout, at most two a
 *   second (none when the push takes less than that);
 * - at the end, one summary line, or `{"event":"summary","units":…,"sent":…,
 *   "applied":…,"duplicates":…,"rejected":…,"heldThrough":…}`; once sending
 *   has started it is printed even when units were rejected or the session
 *   ended early, counting what was answered, before the error.
 *
 * `heldThrough`, in progress and summary records, is the highest sequence up
 * to which the peer holds every intent of the file, in its own words (Welcome,
 * then each Ack): after a push that the peer's crash cut short, a tool knows
 * what a durable peer kept.
 *
 * Exit codes: 0 done, 1 a usage error or a bad line in the file, 2 the peer
 * refused the session or the workspace, closed it, or rejected a unit, 3 the
 * peer could not be reached or the connection was lost.
 *
 * `--bind` defaults to `0.0.0.0:0` (any interface, any port), not to
 * `VERSE_SYNC_BIND`: that variable is where `serve` listens, and a push on
 * the same machine must not take its port.
 */
import { IdentityRegistry } from "@verse-sync/identity"
import { shortId, WorkspaceId } from "@verse-sync/intent"
import { type FrameCodec, Transport } from "@verse-sync/sync-worker"
import { Effect, Option, Redacted } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as BindAddress from "./BindAddress.ts"
import { CommandFailure, ExitCode, usageError } from "./ExitCode.ts"
import * as IntentsFile from "./IntentsFile.ts"
import * as NumberFlag from "./NumberFlag.ts"
import * as Output from "./Output.ts"
import * as ProgressBar from "./ProgressBar.ts"
import * as Push from "./Push.ts"
import * as RootCommand from "./RootCommand.ts"

/** DESIGN.md "Defaults": any local interface, a free port. */
const defaultBindAddress = "0.0.0.0:0"

// The iroh binding takes and gives bytes as `number[]`, converted one element
// at a time; on loopback that conversion, not the network, bounds a push.
// DEFLATE shrinks intent JSON about six times: sending the full Wikispeedia
// file took 7 to 8 s with plain JSON and 2 to 2.7 s compressed (2 cores).
const defaultCodec: FrameCodec = "deflate"

// The acceptor gives a dialer 10 s to say Hello (its handshake timeout); a
// dialer waiting as long for the QUIC handshake and Welcome is symmetric.
const defaultConnectTimeoutMs = 10_000

// A live acceptor answers a unit within tens of milliseconds, within a second
// when its reducer is backed up; a vanished one is otherwise noticed only when
// QUIC's idle timeout runs out, about 30 s later (Push.ts).
const defaultAnswerTimeoutMs = 10_000

// "At most a few a second": enough to follow a long push, few enough that a
// tool reading them is never the bottleneck.
const progressRecordIntervalMs = 500

/** The `push` subcommand; see the module doc. */
export const command = Command.make(
  "push",
  {
    ticket: Argument.String("ticket").pipe(
      Argument.withDescription("The peer's ticket: what `verse-sync serve` prints after `ready`")
    ),
    file: Argument.String("intents-file").pipe(
      Argument.withDescription("One {\"authoredAt\"?, \"intent\"} object a line; line i is sequence i")
    ),
    workspace: Flag.String("workspace").pipe(
      Flag.withDescription("The workspace to write to (default: default)"),
      Flag.withSchema(WorkspaceId),
      Flag.withDefault("default")
    ),
    codec: Flag.Literals("codec", ["json", "deflate"]).pipe(
      Flag.withDescription(`How units are framed: DEFLATE-compressed JSON, or plain JSON (default ${defaultCodec})`),
      Flag.withDefault(defaultCodec)
    ),
    bind: BindAddress.flag("Where this device dials from", `default ${defaultBindAddress}`),
    connectTimeoutMs: NumberFlag.withFallback(
      "connect-timeout-ms",
      "How long dialing and the peer's Welcome may take",
      defaultConnectTimeoutMs
    ),
    answerTimeoutMs: NumberFlag.withFallback(
      "answer-timeout-ms",
      "How long the peer may leave every unit in flight unanswered before the push gives up (exit 3)",
      defaultAnswerTimeoutMs
    )
  },
  Effect.fn("PushCommand.run")(function*({ answerTimeoutMs, bind, codec, connectTimeoutMs, file, ticket, workspace }) {
    const { json } = yield* RootCommand.command
    const output = Output.make({ json })
    const peerEndpointId = yield* Transport.ticketEndpointId(ticket).pipe(
      Effect.mapError(() =>
        usageError(`${JSON.stringify(ticket.slice(0, 24))} is not a ticket; copy the one \`verse-sync serve\` prints`)
      )
    )
    const lines = yield* IntentsFile.read(file)

    // Only this device's key is needed: the trust store is the acceptor's business.
    const { endpointId, secretKey } = (yield* RootCommand.provideIdentity(IdentityRegistry)).self
    const bar = ProgressBar.make()
    const outcome = yield* Push.push({
      ticket,
      peerEndpointId,
      workspace,
      intents: IntentsFile.toSyncedIntents(lines, endpointId, Date.now()),
      endpointId,
      secretKey: Redacted.value(secretKey),
      bindAddress: Option.getOrElse(bind, () => defaultBindAddress),
      codec,
      connectTimeoutMs,
      answerTimeoutMs,
      onProgress: progressReporter(output, bar)
    }).pipe(Effect.scoped, Effect.ensuring(bar.finish))

    yield* printSummary(output, outcome.progress, workspace)
    if (Option.isSome(outcome.endedEarly)) return yield* outcome.endedEarly.value
    if (Option.isSome(outcome.firstReject)) {
      const { batch, code, message } = outcome.firstReject.value
      return yield* new CommandFailure({
        exitCode: ExitCode.Refused,
        message: `peer ${shortId(peerEndpointId)} rejected ${outcome.progress.rejected} intents; ` +
          `the first in batch ${batch}: ${code}: ${message}`
      })
    }
  })
).pipe(Command.withDescription("Send this device's intents in a file to a peer"))

/** Reports progress to the bar (text mode) or as throttled `progress` records (JSON mode). */
const progressReporter = (output: Output.Output, bar: ProgressBar.ProgressBar) => {
  let lastRecordAt = 0
  return (progress: Push.PushProgress): Effect.Effect<void> => {
    if (!output.json) {
      const caption = `${progress.sent}/${progress.toSend} intents sent, ${progress.applied} applied, ` +
        `${progress.duplicates} duplicates, ${progress.rejected} rejected, ${rateOf(progress)} intents/s`
      return bar.update(progress.sent, progress.toSend, caption)
    }
    const now = Date.now()
    if (now - lastRecordAt < progressRecordIntervalMs) return Effect.void
    lastRecordAt = now
    return output.record({
      event: "progress",
      units: progress.units,
      unitsTotal: progress.unitsTotal,
      sent: progress.sent,
      toSend: progress.toSend,
      total: progress.total,
      applied: progress.applied,
      duplicates: progress.duplicates,
      rejected: progress.rejected,
      heldThrough: progress.heldThrough,
      intentsPerSecond: rateOf(progress)
    })
  }
}

const rateOf = (progress: Push.PushProgress): number => {
  const seconds = (Date.now() - progress.startedAt) / 1000
  return seconds <= 0 ? 0 : Math.round(progress.sent / seconds)
}

/**
 * Text: `sent 4365 of 4365 intents in 5 units to workspace default: 4365
 * applied, 0 duplicates, 0 rejected (0.4 s)`. JSON: the summary record.
 */
const printSummary = (output: Output.Output, progress: Push.PushProgress, workspace: string) => {
  const seconds = ((Date.now() - progress.startedAt) / 1000).toFixed(1)
  return output.print(
    `sent ${progress.sent} of ${progress.total} intents in ${progress.units} units to workspace ${workspace}: ` +
      `${progress.applied} applied, ${progress.duplicates} duplicates, ${progress.rejected} rejected (${seconds} s)`,
    {
      event: "summary",
      units: progress.units,
      sent: progress.sent,
      applied: progress.applied,
      duplicates: progress.duplicates,
      rejected: progress.rejected,
      heldThrough: progress.heldThrough
    }
  )
}
