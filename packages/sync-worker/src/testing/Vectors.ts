/**
 * The normative test vectors of graphshell-sync/1
 * (`shared/vectors/protocol-v1.json`, beside the repository), typed, for
 * conformance tests here and in an application that embeds the worker.
 */
import { readFileSync } from "node:fs"

/** One case: a message and its exact frame bytes, and for a fault, the close or Reject code it must end in. */
export interface Vector {
  readonly name: string
  readonly hex: string
  readonly message?: { readonly [key: string]: unknown }
  readonly codec?: "deflate"
  readonly valid?: boolean
  readonly close?: number
  readonly reject?: string
  readonly path?: string
  readonly note?: string
}

/** A case that carries a message (every case but the frame faults). */
export interface MessageVector extends Vector {
  readonly message: { readonly [key: string]: unknown }
}

/** A key pair the vectors are written for. */
export interface VectorKey {
  readonly secretKey: string
  readonly endpointId: string
}

/** The whole file. */
export interface Vectors {
  readonly keys: { readonly acceptor: VectorKey; readonly dialer: VectorKey; readonly stranger: VectorKey }
  readonly valid: ReadonlyArray<MessageVector>
  readonly frameFaults: ReadonlyArray<Vector>
  readonly sessionFaults: ReadonlyArray<MessageVector>
  readonly rejects: ReadonlyArray<MessageVector>
}

/** Where the vectors are: `shared/` sits beside the repository, here and in CI. */
export const vectorsUrl = new URL("../../../../../shared/vectors/protocol-v1.json", import.meta.url)

export const vectors: Vectors = JSON.parse(readFileSync(vectorsUrl, "utf8"))

/** The bytes of a hex string. */
export const bytesOf = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, "hex"))
