// `npm run demo [-- intents.jsonl]`: two devices on this machine, end to end, through the real command.
//
// In temporary data directories it creates a server device and a pusher device (`verse-sync id` in
// each), trusts the pusher on the server as one of its own devices, starts `verse-sync serve --json`
// on loopback, pushes the intents file, stops the server with SIGINT, reads the graph back from its
// sync log (`verse-sync graph`), starts the server again and pushes the file a second time: the
// restarted node kept everything, so the second push applies nothing. It prints both push summaries
// and the graph summaries. Any step that fails stops the demo with a non-zero exit; the temporary
// directories and the server are always cleaned up.
//
// The file defaults to the Wikispeedia sample in the shared folder beside the repository.
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const command = path.join(repository, "packages/cli/bin/verse-sync.js")
const intentsFile = path.resolve(
  process.argv[2] ?? path.join(repository, "..", "shared", "data", "wikispeedia-sample.jsonl")
)

// Generous for a loaded 2-core machine: starting the command alone takes about 2 s.
const serveReadyTimeoutMs = 30_000
const serveStopTimeoutMs = 15_000

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "verse-sync-demo-"))
const serverDirectory = path.join(workspace, "server")
const pusherDirectory = path.join(workspace, "pusher")
let server

/** Runs the command to its end; fails unless it exits 0. Returns its stdout. */
const run = (args) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [command, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("exit", (code, signal) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`verse-sync ${args[0]} exited with ${code ?? signal}: ${stderr.trim()}`)))
  })

const show = (label, text) => console.log(`${label}\n${text.trim().replace(/^/gm, "  ")}`)

/** Starts `serve --json` and resolves with its ticket once it reports `sync.worker.started`. */
const startServer = () =>
  new Promise((resolve, reject) => {
    server = spawn(
      process.execPath,
      [command, "serve", "--json", "--data-dir", serverDirectory, "--bind", "127.0.0.1:0"],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    server.lines = []
    let pending = ""
    server.stderr.on("data", (chunk) => process.stderr.write(chunk))
    server.stdout.on("data", (chunk) => {
      pending += chunk
      let newline
      while ((newline = pending.indexOf("\n")) >= 0) {
        const record = JSON.parse(pending.slice(0, newline))
        pending = pending.slice(newline + 1)
        server.lines.push(record)
        if (record.event === "diagnostic" && record.channel === "sync.worker.started") resolve(record.fields.ticket)
      }
    })
    server.on("exit", (code, signal) => reject(new Error(`verse-sync serve exited early with ${code ?? signal}`)))
    setTimeout(
      () => reject(new Error(`verse-sync serve was not ready within ${serveReadyTimeoutMs} ms`)),
      serveReadyTimeoutMs
    )
      .unref()
  })

/** Sends SIGINT and resolves with the summary record once serve has exited 0. */
const stopServer = () =>
  new Promise((resolve, reject) => {
    server.removeAllListeners("exit")
    server.on("exit", (code, signal) => {
      if (code !== 0) return reject(new Error(`verse-sync serve exited with ${code ?? signal} on SIGINT`))
      const summary = server.lines.find((record) => record.event === "summary")
      summary === undefined ? reject(new Error("verse-sync serve printed no summary")) : resolve(summary)
    })
    server.kill("SIGINT")
    setTimeout(
      () => reject(new Error(`verse-sync serve did not stop within ${serveStopTimeoutMs} ms`)),
      serveStopTimeoutMs
    )
      .unref()
  })

const push = async (ticket, round) => {
  const output = await run([
    "push",
    ticket,
    intentsFile,
    "--json",
    "--data-dir",
    pusherDirectory,
    "--bind",
    "127.0.0.1:0"
  ])
  const summary = output.trim().split("\n").map((line) => JSON.parse(line)).find((record) => record.event === "summary")
  if (summary === undefined) throw new Error(`push ${round} printed no summary`)
  show(`push ${round} summary:`, JSON.stringify(summary))
  return summary
}

try {
  const serverId = JSON.parse(await run(["id", "--json", "--data-dir", serverDirectory])).endpointId
  const pusherId = JSON.parse(await run(["id", "--json", "--data-dir", pusherDirectory])).endpointId
  console.log(`server device: ${serverId}\npusher device: ${pusherId}`)
  show(
    "trusting the pusher on the server:",
    await run(["trust", "add", pusherId, "--role", "self", "--name", "pusher", "--data-dir", serverDirectory])
  )

  const ticket = await startServer()
  console.log(`serving; ticket ${ticket}`)
  console.log(`pushing ${intentsFile}`)
  const first = await push(ticket, 1)
  show("graph summary after SIGINT:", JSON.stringify(await stopServer()))
  show("graph read back from the sync log:", await run(["graph", "--json", "--data-dir", serverDirectory]))

  const restartedTicket = await startServer()
  console.log(`serving again; ticket ${restartedTicket}`)
  const second = await push(restartedTicket, 2)
  if (second.applied !== 0 || second.duplicates !== first.applied + first.duplicates) {
    throw new Error("the second push should have applied nothing and found every intent a duplicate")
  }
  await stopServer()
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  if (server !== undefined && server.exitCode === null && server.signalCode === null) server.kill("SIGKILL")
  fs.rmSync(workspace, { recursive: true, force: true })
}
