import { describe, expect, it } from "@effect/vitest"
import { canWrite, type TrustedPeer } from "../src/index.ts"
import { newEndpointId } from "./fixtures.ts"

const peer = (role: TrustedPeer["role"], grants: TrustedPeer["grants"]): TrustedPeer => ({
  endpointId: newEndpointId(),
  displayName: "laptop",
  role,
  grants,
  addedAt: 1_733_300_000_000
})

describe("canWrite", () => {
  it("lets a self peer write to every workspace, granted or not", () => {
    const ownDevice = peer("self", { research: "read" })

    expect(canWrite(ownDevice, "research")).toBe(true)
    expect(canWrite(ownDevice, "default")).toBe(true)
  })

  it("lets a friend write only where a grant says read-write", () => {
    const friend = peer("friend", { research: "read-write", holidays: "read" })

    expect(canWrite(friend, "research")).toBe(true)
    expect(canWrite(friend, "holidays")).toBe(false)
    expect(canWrite(friend, "default")).toBe(false)
  })

  it("is not fooled by a workspace named after an object property", () => {
    const friend = peer("friend", {})

    expect(canWrite(friend, "constructor")).toBe(false)
    expect(canWrite(friend, "toString")).toBe(false)
  })
})
