/**
 * A peer for tests: a loopback iroh endpoint with a key of the test's choice
 * that speaks graphshell-sync/1 through `SyncClient`, and can also break it
 * on purpose through `client.frames.sendRaw`.
 *
 * It binds `127.0.0.1:0` with relays and discovery off, like everything in
 * tests: no traffic leaves the machine.
 */
import type { SyncedIntent, WorkspaceId } from "@verse-sync/intent"
import { Effect, Option, type Scope } from "effect"
import type * as Message from "../Message.ts"
import * as SyncClient from "../SyncClient.ts"
import * as Transport from "../Transport.ts"

/** A test peer's identity and the sessions it can open. */
export interface TestPeer {
  readonly secretKey: Uint8Array
  readonly endpointId: string
  /** Dials the acceptor and opens the session stream, without saying Hello. */
  readonly connect: (ticket: string) => Effect.Effect<SyncClient.SyncClient, SyncClient.ClientError, Scope.Scope>
  /** Dials, says Hello for `workspaces` and returns the client with the Welcome. */
  readonly join: (
    ticket: string,
    workspaces: ReadonlyArray<WorkspaceId>
  ) => Effect.Effect<
    { readonly client: SyncClient.SyncClient; readonly welcome: Message.Welcome },
    SyncClient.ClientError,
    Scope.Scope
  >
  /** Binds an endpoint of this peer's for the scope, from which many sessions can dial. */
  readonly bind: Effect.Effect<Transport.BoundEndpoint, Transport.TransportError, Scope.Scope>
  /** Intents authored by this peer, numbered from `firstSequence`, each adding a node. */
  readonly intents: (firstSequence: number, count: number) => ReadonlyArray<SyncedIntent>
}

const connectWith = (peer: TestPeer, ticket: string) =>
  SyncClient.connect(ticket, { secretKey: peer.secretKey, bindAddress: "127.0.0.1:0" })

const joinWith = (peer: TestPeer, ticket: string, workspaces: ReadonlyArray<WorkspaceId>) =>
  Effect.gen(function*() {
    const client = yield* connectWith(peer, ticket)
    const welcome = yield* client.hello(workspaces)
    return { client, welcome }
  })

/** Makes a test peer with `secretKey`, or a fresh key. */
export const make = (secretKey: Uint8Array = Transport.generateSecretKey()): TestPeer => {
  const endpointId = Transport.endpointIdOf(secretKey)
  const peer: TestPeer = {
    secretKey,
    endpointId,
    connect: (ticket) => connectWith(peer, ticket),
    join: (ticket, workspaces) => joinWith(peer, ticket, workspaces),
    bind: Transport.bind({ secretKey, bindAddress: "127.0.0.1:0" }),
    intents: (firstSequence, count) =>
      Array.from({ length: count }, (_, index) => {
        const sequence = firstSequence + index
        return {
          authoredBy: endpointId,
          authoredAt: 1_700_000_000_000 + sequence,
          sequence,
          intent: {
            type: "AddNode" as const,
            nodeId: nodeIdFor(endpointId, sequence),
            url: `https://example.org/${endpointId.slice(0, 8)}/${sequence}`,
            title: `Page ${sequence}`
          }
        }
      })
  }
  return peer
}

/** A deterministic, valid UUID for a test node. */
const nodeIdFor = (endpointId: string, sequence: number): string => {
  const hex = (endpointId.slice(0, 20) + sequence.toString(16).padStart(12, "0")).slice(0, 32)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/**
 * Dials and waits to be closed, returning the close code: for a peer the
 * acceptor turns away, whether the close arrives before or after the session
 * stream is opened.
 */
export const knock = (peer: TestPeer, ticket: string): Effect.Effect<Option.Option<number>, SyncClient.ClientError> =>
  peer.connect(ticket).pipe(
    Effect.flatMap(closeCode),
    Effect.catchTag(
      "SessionEnded",
      (ended): Effect.Effect<Option.Option<number>> => Effect.succeed(Option.fromUndefinedOr(ended.closeCode))
    ),
    Effect.scoped
  )

/** Waits for the connection to close and returns its close code (`None` when it carried none). */
export const closeCode = (client: SyncClient.SyncClient): Effect.Effect<Option.Option<number>> =>
  client.closed.pipe(Effect.map((info) => Option.fromUndefinedOr(info.code)))
