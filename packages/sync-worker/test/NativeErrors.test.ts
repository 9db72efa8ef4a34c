import { describe, expect, it } from "@effect/vitest"
import { firstLine, parseCloseCode, parseCloseReason } from "../src/internal/iroh.ts"

const bindFailure = [
  "Failed to bind sockets (/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/iroh-1.0.2/src/socket.rs:946:24)",
  "Caused by:",
  "    Address already in use (os error 98)",
  "",
  "Stack backtrace:",
  "   0: <anyhow::Error>::msg::<alloc::string::String>",
  "   1: anyhow::__private::format_err.29993"
].join("\n")

describe("native iroh errors, for people", () => {
  it("keep one line: the first, without Rust source locations, and the innermost cause", () => {
    expect(firstLine(new Error(bindFailure))).toBe("Failed to bind sockets: Address already in use (os error 98)")
  })

  it("keep a message without causes as its first line", () => {
    const lost = "ConnectionLost(ApplicationClosed(ApplicationClose { error_code: 0 }))\n\nStack backtrace:\n 0: x"
    expect(firstLine(lost)).toBe("ConnectionLost(ApplicationClosed(ApplicationClose { error_code: 0 }))")
  })

  it("yield the close code and reason of a closed connection", () => {
    expect(parseCloseCode("closed by peer: not trusted (code 1)")).toBe(1)
    expect(parseCloseReason("closed by peer: not trusted (code 1)")).toBe("not trusted")
    expect(
      parseCloseCode("ConnectionLost(ApplicationClosed(ApplicationClose { error_code: 8, reason: b\"revoked\" }))")
    )
      .toBe(8)
    expect(parseCloseCode("timed out")).toBeUndefined()
  })
})
