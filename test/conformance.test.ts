/**
 * Conformance to `shared/vectors/protocol-v1.json` through a real session: a
 * SyncWorker holding the acceptor's key, a TestPeer holding the dialer's, on
 * loopback iroh. Every fault must end in its stated close code or Reject code.
 */
import { describe, expect, it } from "@effect/vitest"
import { Message } from "@verse-sync/sync-worker"
import { TestPeer, TestWorker } from "@verse-sync/sync-worker/testing"
import { Vectors } from "@verse-sync/sync-worker/testing"
import { Effect, Option } from "effect"

const { bytesOf, vectors } = Vectors
type Vector = Vectors.Vector

const dialer = TestPeer.make(bytesOf(vectors.keys.dialer.secretKey))
const worker = TestWorker.layer({
  secretKey: bytesOf(vectors.keys.acceptor.secretKey),
  peers: [{ endpointId: vectors.keys.dialer.endpointId, role: "self" }]
})
const valid = (name: string): Vector => vectors.valid.find((vector) => vector.name === name)!
const helloFrame = bytesOf(valid("hello").hex)

/** Dials as the vectors' dialer and sends the Hello vector's bytes. */
const joinWithHelloVector = (ticket: string) =>
  Effect.gen(function*() {
    const client = yield* dialer.connect(ticket)
    yield* client.frames.sendRaw(helloFrame)
    const welcome = Message.decodeWelcome(Option.getOrThrow(yield* client.frames.next))
    return { client, welcome }
  })

describe("protocol-v1 vectors through a real session", () => {
  it.live("the keys are the ones the vectors were made with", () =>
    Effect.gen(function*() {
      const state = yield* TestWorker.awaitState((value) => value.status === "running")
      expect(state.endpointId).toBe(vectors.keys.acceptor.endpointId)
      expect(dialer.endpointId).toBe(vectors.keys.dialer.endpointId)
    }).pipe(Effect.scoped, Effect.provide(worker)))

  it.live("valid Hello and SyncUnit frames are answered: gap, Ack, duplicates, unknown field ignored", () =>
    Effect.gen(function*() {
      const ticket = yield* TestWorker.awaitTicket
      const { client, welcome } = yield* joinWithHelloVector(ticket)
      expect(welcome._tag === "Success" && welcome.success.endpointId).toBe(vectors.keys.acceptor.endpointId)
      expect(welcome._tag === "Success" && welcome.success.versionVectors).toEqual({ research: {} })

      const answerTo = (name: string) =>
        client.frames.sendRaw(bytesOf(valid(name).hex)).pipe(Effect.andThen(client.nextAnswer))
      expect(yield* answerTo("sync-unit-one-intent")).toMatchObject({ type: "Reject", batch: 1, code: "SequenceGap" })
      expect(yield* answerTo("sync-unit-every-intent")).toMatchObject({
        type: "Ack",
        batch: 2,
        applied: 10,
        duplicates: 0,
        versionVector: { [dialer.endpointId]: 10 }
      })
      expect(yield* answerTo("sync-unit-deflate")).toMatchObject({ type: "Ack", batch: 3, applied: 0, duplicates: 10 })
      expect(yield* answerTo("sync-unit-unknown-field-ignored")).toMatchObject({
        type: "Ack",
        batch: 4,
        applied: 0,
        duplicates: 1
      })
    }).pipe(Effect.scoped, Effect.provide(worker)))

  describe("frame faults close the session with their code", () => {
    for (const vector of vectors.frameFaults) {
      it.live(`${vector.name} → close ${vector.close}`, () =>
        Effect.gen(function*() {
          const ticket = yield* TestWorker.awaitTicket
          const { client } = yield* joinWithHelloVector(ticket)
          yield* client.frames.sendRaw(bytesOf(vector.hex))
          expect(yield* TestPeer.closeCode(client)).toEqual(Option.some(vector.close))
        }).pipe(Effect.scoped, Effect.provide(worker)))
    }
  })

  describe("session faults close the session with their code", () => {
    for (const vector of vectors.sessionFaults) {
      it.live(`${vector.name} → close ${vector.close}`, () =>
        Effect.gen(function*() {
          const ticket = yield* TestWorker.awaitTicket
          const client = yield* dialer.connect(ticket)
          yield* client.frames.sendRaw(bytesOf(vector.hex))
          expect(yield* TestPeer.closeCode(client)).toEqual(Option.some(vector.close))
        }).pipe(Effect.scoped, Effect.provide(worker)))
    }
  })

  describe("invalid units are rejected with their code and the session stays open", () => {
    for (const vector of vectors.rejects) {
      it.live(`${vector.name} → Reject ${vector.reject}`, () =>
        Effect.gen(function*() {
          const ticket = yield* TestWorker.awaitTicket
          const { client } = yield* joinWithHelloVector(ticket)
          yield* client.frames.sendRaw(bytesOf(vector.hex))
          const answer = yield* client.nextAnswer
          expect(answer).toMatchObject({ type: "Reject", batch: 6, code: vector.reject })
          if (vector.path !== undefined && answer.type === "Reject") expect(answer.message).toContain(vector.path)

          yield* client.frames.send({
            type: "SyncUnit",
            batch: 7,
            workspaceId: "research",
            fromPeer: dialer.endpointId,
            intents: dialer.intents(1, 1)
          })
          expect(yield* client.nextAnswer).toMatchObject({ type: "Ack", batch: 7, applied: 1 })
        }).pipe(Effect.scoped, Effect.provide(worker)))
    }
  })
})
