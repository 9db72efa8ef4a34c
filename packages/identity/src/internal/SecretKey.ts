/**
 * This device's ed25519 secret key and the endpoint id derived from it, through
 * the iroh binding. The only module of the package that touches iroh.
 */
import Iroh from "@number0/iroh"

/** How many bytes an ed25519 secret key has. */
export const secretKeyLength = 32

/** A fresh random secret key, from the operating system's secure random source (via iroh). */
export const generateSecretKey = (): Uint8Array => Uint8Array.from(Iroh.SecretKey.generate().toBytes())

/**
 * The endpoint id of a secret key: its public key as 64 lowercase hex
 * characters, exactly what iroh proves in the TLS handshake. Throws if the key
 * is not 32 bytes.
 */
export const endpointIdOf = (secretKey: Uint8Array): string =>
  Iroh.SecretKey.fromBytes(Array.from(secretKey)).public().toString()
