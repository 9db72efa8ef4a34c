/**
 * `verse-sync id`: prints this device's endpoint id, the name other devices
 * trust it by (`verse-sync trust add <id>` on them). The first run in a data
 * directory creates the key, and with it the id; every later run prints the
 * same id.
 */
import { IdentityRegistry } from "@verse-sync/identity"
import { Effect } from "effect"
import { Command } from "effect/cli"
import * as Output from "./Output.ts"
import * as RootCommand from "./RootCommand.ts"

/** The `id` subcommand. Text: the id alone on a line. JSON: `{"endpointId":"…"}`. */
export const command = Command.make(
  "id",
  {},
  Effect.fn("IdCommand.run")(function*() {
    const { json } = yield* RootCommand.command
    const { endpointId } = (yield* IdentityRegistry).self
    yield* Output.make({ json }).print(endpointId, { endpointId })
  }, RootCommand.provideIdentity)
).pipe(Command.withDescription("Print this device's endpoint id (creates the key on first use)"))
