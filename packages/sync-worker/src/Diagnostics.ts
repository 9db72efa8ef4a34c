/**
 * Diagnostics: the events the worker reports to people and to tools.
 *
 * Every event has a channel from the catalogue below (DESIGN.md), a severity,
 * the time, a one-line message for a person, and structured fields for tools.
 * Emitting an event also logs it through Effect's logger and counts it in a
 * metric per channel, so an embedding application sees the worker in its own
 * logs and metrics without subscribing.
 *
 * Gotchas: the event stream is a broadcast with a bounded buffer per
 * subscriber (`subscriberBuffer`); a subscriber that stops reading loses the
 * oldest events, never blocks the worker.
 */
import { Context, Effect, Layer, Metric, PubSub, Stream } from "effect"

/**
 * Every channel the worker emits on, with its severity: DESIGN.md's catalogue,
 * plus `sync.worker.unit_failed` for a unit the reducer could not store (the
 * disk is full, the log is locked): no Reject code fits that, so the session
 * is closed with code 6 and nothing of the unit is applied.
 */
export const channels = {
  "sync.worker.started": "Info",
  "sync.worker.stopped": "Info",
  "sync.worker.crashed": "Error",
  "sync.worker.restarting": "Warn",
  "sync.worker.gave_up": "Error",
  "sync.worker.peer_connected": "Info",
  "sync.worker.peer_disconnected": "Info",
  "sync.worker.peer_rejected": "Warn",
  "sync.worker.handshake_failed": "Warn",
  "sync.worker.unit_applied": "Info",
  "sync.worker.unit_rejected": "Warn",
  "sync.worker.unit_failed": "Error",
  "sync.worker.protocol_violation": "Warn",
  "sync.worker.overloaded": "Warn",
  "sync.worker.backpressure": "Warn"
} as const satisfies Record<string, Severity>

/** A channel of the catalogue. */
export type Channel = keyof typeof channels

/** How much a person should care. */
export type Severity = "Info" | "Warn" | "Error"

/** A JSON-safe field value. */
export type FieldValue = string | number | boolean | null | ReadonlyArray<string | number>

/** One diagnostic event. */
export interface DiagnosticEvent {
  readonly channel: Channel
  readonly severity: Severity
  /** Milliseconds since the Unix epoch. */
  readonly at: number
  /** One line for a person: who, what happened, what to do. */
  readonly message: string
  readonly fields: Readonly<Record<string, FieldValue>>
}

/** How many events a slow subscriber may fall behind before it loses the oldest. */
const subscriberBuffer = 4096

const eventsCounter = Metric.counter("verse_sync_diagnostics_total", {
  description: "Diagnostic events emitted, by channel",
  incremental: true
})

/** The diagnostics service: emit events, subscribe to them. */
export class Diagnostics extends Context.Service<Diagnostics, {
  /** Emits an event on `channel` with its catalogue severity. */
  readonly emit: (
    channel: Channel,
    message: string,
    fields?: Readonly<Record<string, FieldValue>>
  ) => Effect.Effect<void>
  /** Every event emitted after the subscription starts. */
  readonly events: Stream.Stream<DiagnosticEvent>
}>()("verse-sync/Diagnostics") {
  /** Diagnostics that log each event and count it per channel. */
  static readonly layer = Layer.effect(
    Diagnostics,
    Effect.gen(function*() {
      const pubsub = yield* PubSub.sliding<DiagnosticEvent>(subscriberBuffer)
      const emit = (channel: Channel, message: string, fields: Readonly<Record<string, FieldValue>> = {}) =>
        Effect.gen(function*() {
          const severity = channels[channel]
          const event: DiagnosticEvent = { channel, severity, at: Date.now(), message, fields }
          yield* PubSub.publish(pubsub, event)
          yield* Metric.update(Metric.withAttributes(eventsCounter, { channel }), 1)
          yield* log[severity](message).pipe(Effect.annotateLogs({ channel, ...fields }))
        })
      return Diagnostics.of({ emit, events: Stream.fromPubSub(pubsub) })
    })
  )
}

const log = {
  Info: Effect.logInfo,
  Warn: Effect.logWarning,
  Error: Effect.logError
} as const
