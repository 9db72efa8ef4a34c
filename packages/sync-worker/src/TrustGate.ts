/**
 * The trust gate: the check every connection passes right after its TLS
 * handshake, before any stream is read. A trusted endpoint gets its
 * `TrustedPeer`; anyone else is closed with code 1 (`not trusted`) and
 * reported, quietly: the first refusal of a stranger is a Warn, repeats are
 * counted and reported once a window (`Strangers`), and the strangers seen
 * lately are listed in `SyncState` for the person to trust or ignore.
 */
import type { IdentityRegistry, TrustedPeer } from "@verse-sync/identity"
import { shortId } from "@verse-sync/intent"
import { Data, Effect, Option, SubscriptionRef } from "effect"
import { CloseCode, DefaultCloseReason } from "./CloseCode.ts"
import type { Diagnostics } from "./Diagnostics.ts"
import type { StrangerReport, Strangers } from "./internal/Strangers.ts"
import type { SyncStateValue } from "./SyncState.ts"
import type { PeerConnection } from "./Transport.ts"

/** The peer was refused at the gate; it has been closed and reported already. */
export class PeerRefused extends Data.TaggedError("PeerRefused")<{ readonly endpointId: string }> {}

/** Lets trusted endpoints through and turns strangers away. */
export type TrustGate = (connection: PeerConnection) => Effect.Effect<TrustedPeer, PeerRefused>

/** What the gate needs. */
export interface TrustGateContext {
  readonly registry: IdentityRegistry["Service"]
  readonly strangers: Strangers
  readonly diagnostics: Diagnostics["Service"]
  readonly state: SubscriptionRef.SubscriptionRef<SyncStateValue>
}

/** Makes the gate. */
export const make = (context: TrustGateContext): TrustGate => (connection) =>
  Effect.gen(function*() {
    const remote = connection.remoteEndpointId
    const trusted = yield* context.registry.lookup(remote)
    if (Option.isSome(trusted)) {
      if (context.strangers.forget(remote)) yield* publishStrangers(context)
      return trusted.value
    }

    yield* connection.close(CloseCode.NotTrusted, DefaultCloseReason[CloseCode.NotTrusted])
    const report = context.strangers.refused(remote, Date.now())
    yield* publishStrangers(context)
    if (report !== undefined) yield* reportStranger(context, report)
    return yield* new PeerRefused({ endpointId: remote })
  })

/**
 * Emits the reports of strangers whose window has ended; run it once a
 * window. With `everything`, reports every count not yet reported, window
 * ended or not (when the worker stops, so no count is lost).
 */
export const sweep = (context: TrustGateContext, everything = false): Effect.Effect<void> =>
  Effect.suspend(() =>
    Effect.forEach(
      context.strangers.sweep(everything ? Number.POSITIVE_INFINITY : Date.now()),
      (report) => reportStranger(context, report),
      { discard: true }
    )
  )

const publishStrangers = (context: TrustGateContext) =>
  SubscriptionRef.update(context.state, (state) => ({ ...state, strangers: context.strangers.view() }))

const reportStranger = (context: TrustGateContext, report: StrangerReport) => {
  const who = shortId(report.endpointId)
  const times = report.attempts === 1 ? "once more" : `${report.attempts} more times`
  const what = report.first
    ? `refused ${who}: not in the trust store`
    : `refused ${who} ${times} in the last ${Math.round(context.strangers.windowMs / 1000)} s`
  return context.diagnostics.emit(
    "sync.worker.peer_rejected",
    `${what}; to let it sync, run \`verse-sync trust add ${report.endpointId} --role self\` ` +
      "for your own device, or with `--grant WORKSPACE=read-write` for a friend",
    { peer: who, endpointId: report.endpointId, attempts: report.attempts, closeCode: CloseCode.NotTrusted }
  )
}
