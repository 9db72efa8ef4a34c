/**
 * The iroh transport: an endpoint bound as a scoped resource, its incoming
 * connections as an Effect `Stream`, and the few operations a session needs
 * on a connection and its session stream.
 *
 * Everything native is wrapped here so that the rest of the package speaks
 * Effect and `Uint8Array`, and so that a native error reaches a person as its
 * first line only (the binding appends a Rust backtrace).
 *
 * Relays and discovery are off: the endpoint uses the minimal preset, relay
 * mode disabled, and is reachable at its direct addresses only.
 */
import { Data, Effect, Option, Scope, Stream } from "effect"
import * as Iroh from "./internal/iroh.ts"

/** The ALPN of graphshell-sync/1 (PROTOCOL.md §1). */
export const ALPN = "graphshell-sync/1"

const alpnBytes = (alpn: string): Array<number> => Iroh.toNative(new TextEncoder().encode(alpn))

/**
 * A failure of the transport, with the binding's message cut to its first
 * line. `operation` names what was being done (`bind`, `accept`, `read`, …).
 */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly operation: string
  readonly message: string
  /** The application close code, when the failure is the connection being closed. */
  readonly closeCode?: number | undefined
}> {}

const transportError = (operation: string) => (cause: unknown): TransportError => {
  const message = Iroh.firstLine(cause)
  return new TransportError({ operation, message, closeCode: Iroh.parseCloseCode(String(cause)) })
}

/** A connection that has arrived and not yet been through its handshake. */
export type IncomingConnection = Iroh.Incoming

/** How to bind an endpoint. */
export interface BindOptions {
  /** The 32-byte ed25519 secret key: the endpoint id is its public half. */
  readonly secretKey: Uint8Array
  /** `host:port`; port 0 picks a free one. */
  readonly bindAddress: string
  /** ALPNs to accept; a dialer-only endpoint accepts none. */
  readonly alpns?: ReadonlyArray<string> | undefined
}

/** A bound endpoint. Closed when the scope that bound it closes. */
export interface BoundEndpoint {
  readonly native: Iroh.Endpoint
  readonly endpointId: string
  /** The direct addresses peers can dial, as `ip:port`. */
  readonly addresses: ReadonlyArray<string>
  /** An iroh endpoint ticket: the id with its direct addresses, for `push`. */
  readonly ticket: string
}

/**
 * Binds an iroh endpoint for the scope's lifetime. Closing is bounded in time:
 * a wedged native close must not hold up a shutdown.
 */
export const bind = Effect.fn("Transport.bind")(function*(options: BindOptions) {
  const attempt = Effect.tryPromise({
    try: () => {
      const builder = Iroh.Endpoint.builder()
      Iroh.presetMinimal(builder)
      builder.relayMode(Iroh.RelayMode.disabled())
      builder.secretKey(Iroh.toNative(options.secretKey))
      builder.bindAddr(options.bindAddress)
      if (options.alpns !== undefined) builder.alpns(options.alpns.map(alpnBytes))
      return builder.bind()
    },
    catch: transportError("bind")
  })
  const native = yield* Effect.acquireRelease(
    attempt,
    (endpoint) =>
      Effect.promise(() => endpoint.close()).pipe(
        Effect.timeoutOption("2 seconds"),
        Effect.ignore
      )
  )
  return describe(native)
})

const describe = (native: Iroh.Endpoint): BoundEndpoint => {
  const address = native.addr()
  return {
    native,
    endpointId: native.id().toString(),
    addresses: address.directAddresses(),
    ticket: Iroh.EndpointTicket.fromAddr(address).toString()
  }
}

/**
 * The incoming connections of an endpoint, as they arrive. The stream ends
 * when the endpoint is closed (`acceptNext` resolves `null`), which for a
 * server is always unexpected: callers treat the end as a failure.
 */
export const incoming = (endpoint: BoundEndpoint): Stream.Stream<IncomingConnection, TransportError> =>
  Stream.fromEffectRepeat(
    Effect.tryPromise({ try: () => endpoint.native.acceptNext(), catch: transportError("accept") }).pipe(
      Effect.flatMap((next) => next === null ? Effect.fail(endOfStream) : Effect.succeed(next))
    )
  ).pipe(
    Stream.catchIf((error): error is typeof endOfStream => error === endOfStream, () => Stream.empty)
  )

const endOfStream = Symbol.for("verse-sync/Transport/endOfStream")

/**
 * Completes the QUIC/TLS handshake of an incoming connection. A failure here
 * (wrong ALPN, bad certificate, the peer vanishing) is one bad peer.
 */
export const accept = (incoming: IncomingConnection): Effect.Effect<PeerConnection, TransportError> =>
  Effect.suspend(() => {
    const handshake = incoming.accept().then((accepting) => accepting.connect())
    return Effect.tryPromise({ try: () => handshake, catch: transportError("handshake") }).pipe(
      Effect.map(wrapConnection),
      // The native handshake cannot be cancelled: if it completes after we gave up on it (a timeout,
      // a shutdown), close what it produced rather than leave a connection nobody serves.
      Effect.onInterrupt(() =>
        Effect.sync(() => {
          handshake.then(
            (connection) => connection.close(BigInt(handshakeAbandonedCode), Iroh.toNative(abandonedReason)),
            () => undefined
          )
        })
      )
    )
  })

// Code 4 (HandshakeTimeout) in the protocol's numbering: the only reason a handshake is abandoned
// is that its time ran out, or that the acceptor is stopping.
const handshakeAbandonedCode = 4
const abandonedReason = new TextEncoder().encode("handshake timeout")

/** Refuses an incoming connection before its handshake (used at the session limit). */
export const refuse = (incoming: IncomingConnection): Effect.Effect<void> =>
  Effect.promise(() => incoming.refuse()).pipe(Effect.ignore)

/** Dials a peer by ticket (or endpoint id with addresses) for `alpn`. */
export const connect = Effect.fn("Transport.connect")(
  function*(endpoint: BoundEndpoint, ticket: string, alpn: string = ALPN) {
    const address = yield* Effect.try({
      try: () => Iroh.EndpointTicket.fromString(ticket).endpointAddr(),
      catch: transportError("ticket")
    })
    const native = yield* Effect.tryPromise({
      try: () => endpoint.native.connect(address, alpnBytes(alpn)),
      catch: transportError("connect")
    })
    return wrapConnection(native)
  }
)

/** Why and how a connection ended. */
export interface CloseInfo {
  readonly code: number | undefined
  readonly reason: string
  /** True when this side closed it. */
  readonly local: boolean
}

/** A QUIC connection to an authenticated remote endpoint. */
export interface PeerConnection {
  readonly native: Iroh.Connection
  /** The remote endpoint id proven in the TLS handshake. */
  readonly remoteEndpointId: string
  /** Identifies this connection among all of the endpoint's connections. */
  readonly stableId: number
  readonly openStream: Effect.Effect<SessionStream, TransportError>
  readonly acceptStream: Effect.Effect<SessionStream, TransportError>
  /** Closes with an application code and a short reason; idempotent. */
  readonly close: (code: number, reason: string) => Effect.Effect<void>
  /** Waits until the connection is closed, by either side. */
  readonly closed: Effect.Effect<CloseInfo>
}

const wrapConnection = (native: Iroh.Connection): PeerConnection => {
  let localClose: CloseInfo | undefined
  return {
    native,
    remoteEndpointId: native.remoteId().toString(),
    stableId: native.stableId(),
    openStream: Effect.tryPromise({ try: () => native.openBi(), catch: transportError("open stream") }).pipe(
      Effect.map(wrapStream)
    ),
    acceptStream: Effect.tryPromise({ try: () => native.acceptBi(), catch: transportError("accept stream") }).pipe(
      Effect.map(wrapStream)
    ),
    close: (code, reason) =>
      Effect.sync(() => {
        if (localClose !== undefined) return
        localClose = { code, reason, local: true }
        native.close(BigInt(code), Iroh.toNative(new TextEncoder().encode(reason)))
      }).pipe(Effect.catchDefect(() => Effect.void)),
    closed: Effect.promise(() => native.closed()).pipe(
      Effect.map((text): CloseInfo =>
        localClose ?? { code: Iroh.parseCloseCode(text), reason: Iroh.parseCloseReason(text), local: false }
      )
    )
  }
}

/** The bidirectional session stream: reads chunks, writes whole buffers. */
export interface SessionStream {
  /** The next chunk, at most `maxBytes`; `None` once the sender finished. */
  readonly read: (maxBytes: number) => Effect.Effect<Option.Option<Uint8Array>, TransportError>
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, TransportError>
  /** Signals the end of what this side sends. */
  readonly finish: Effect.Effect<void, TransportError>
  /** Abandons both directions with an error code (used to refuse extra streams). */
  readonly reset: (code: number) => Effect.Effect<void>
}

const wrapStream = (native: Iroh.BiStream): SessionStream => {
  const send = native.send
  const recv = native.recv
  return {
    read: (maxBytes) =>
      Effect.tryPromise({ try: () => recv.read(maxBytes), catch: transportError("read") }).pipe(
        Effect.map((bytes) => bytes.length === 0 ? Option.none() : Option.some(Iroh.fromNative(bytes)))
      ),
    write: (bytes) =>
      Effect.tryPromise({ try: () => send.writeAll(Iroh.toNative(bytes)), catch: transportError("write") }),
    finish: Effect.tryPromise({ try: () => send.finish(), catch: transportError("finish") }),
    reset: (code) =>
      Effect.promise(async () => {
        await Promise.allSettled([send.reset(BigInt(code)), recv.stop(BigInt(code))])
      })
  }
}

/** Binds a dialer endpoint (accepting nothing) for the scope's lifetime. */
export const bindDialer = (secretKey: Uint8Array, bindAddress = "127.0.0.1:0"): Effect.Effect<
  BoundEndpoint,
  TransportError,
  Scope.Scope
> => bind({ secretKey, bindAddress })

/** Makes a fresh random secret key. */
export const generateSecretKey = (): Uint8Array => Uint8Array.from(Iroh.SecretKey.generate().toBytes())

/** The endpoint id of a secret key. */
export const endpointIdOf = (secretKey: Uint8Array): string =>
  Iroh.SecretKey.fromBytes(Iroh.toNative(secretKey)).public().toString()

/** A ticket for an endpoint id at the given direct addresses (`ip:port`). */
export const ticketFor = (endpointId: string, addresses: ReadonlyArray<string>): string =>
  Iroh.EndpointTicket.fromAddr(new Iroh.EndpointAddr(Iroh.EndpointId.fromString(endpointId), null, [...addresses]))
    .toString()

/** An endpoint ticket carries the endpoint id: read it without dialing. */
export const ticketEndpointId = (ticket: string): Effect.Effect<string, TransportError> =>
  Effect.try({
    try: () => Iroh.EndpointTicket.fromString(ticket).endpointAddr().id().toString(),
    catch: transportError("ticket")
  })
