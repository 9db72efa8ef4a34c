/**
 * `verse-sync trust add|grant|list|remove`: the trust store of this device,
 * the peers allowed to sync with it (DESIGN.md "Services", IdentityRegistry).
 *
 * Grants can be changed two ways: `trust add <id> --grant …` replaces all of
 * a peer's grants (and trusts it if it was not), `trust grant <id> WS=…`
 * changes only the workspaces it names, of a peer already trusted.
 *
 * A `serve` running on the same data directory notices every change within
 * a second: a peer added can connect at once, a peer removed has its live
 * session closed (code 8), and changed grants hold for every session opened
 * after the change.
 *
 * Gotchas: a live session keeps the grants its peer had when it connected;
 * taking a grant away does not close it (only `remove` does), so a peer
 * mid-session may go on writing until it reconnects or idles out.
 */
import { Access, type Grants, IdentityRegistry, Role, type TrustedPeer } from "@verse-sync/identity"
import { EndpointId, shortId, WorkspaceId } from "@verse-sync/intent"
import { Effect, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { type CommandFailure, usageError } from "./ExitCode.ts"
import * as Output from "./Output.ts"
import * as RootCommand from "./RootCommand.ts"

const endpointIdArgument = Argument.String("endpoint-id").pipe(
  Argument.withDescription("The peer's endpoint id: what `verse-sync id` prints on it (64 lowercase hex characters)"),
  Argument.withSchema(EndpointId)
)

/**
 * `trust add <endpoint-id>`: trusts a peer, or changes the name, role or
 * grants of one already trusted (what is not given is kept). Prints the
 * peer's entry as stored.
 */
const add = Command.make(
  "add",
  {
    endpointId: endpointIdArgument,
    name: Flag.String("name").pipe(
      Flag.withDescription("A name for the peer (default: its short id)"),
      Flag.optional
    ),
    role: Flag.Literals("role", Role.literals).pipe(
      Flag.withDescription("self: another device of yours, writes to every workspace; friend: writes where granted"),
      Flag.optional
    ),
    grants: Flag.KeyValuePair("grant").pipe(
      Flag.withMetavar("WORKSPACE=read|read-write"),
      Flag.withDescription("What a friend may do in a workspace; repeat for more (replaces the peer's grants)"),
      Flag.optional
    )
  },
  Effect.fn("TrustCommand.add")(function*({ endpointId, grants, name, role }) {
    const { json } = yield* RootCommand.command
    const checkedGrants = yield* Effect.transposeOption(Option.map(grants, checkGrants))
    const registry = yield* IdentityRegistry
    const peer = yield* registry.trust({
      endpointId,
      ...Option.match(name, { onNone: () => ({}), onSome: (displayName) => ({ displayName }) }),
      ...Option.match(role, { onNone: () => ({}), onSome: (role) => ({ role }) }),
      ...Option.match(checkedGrants, { onNone: () => ({}), onSome: (grants) => ({ grants }) })
    })
    yield* Output.make({ json }).print(`trusted ${describePeer(peer)}`, peer)
  }, RootCommand.provideIdentity)
).pipe(Command.withDescription("Trust a peer, or change its name, role or grants"))

/** What `trust grant` may set a workspace to: an access level, or `none` to take the grant away. */
const GrantChange = Schema.Literals(["read-write", "read", "none"])

/**
 * `trust grant <endpoint-id> WS=read-write|read|none …`: changes the grants
 * of a trusted peer for the workspaces named, keeping the others; `none`
 * takes a workspace's grant away. A peer not trusted yet is refused (exit 1):
 * a mistyped id must not trust a stranger. Prints the peer's entry as stored.
 */
const grant = Command.make(
  "grant",
  {
    endpointId: endpointIdArgument,
    changes: Argument.String("grant").pipe(
      Argument.withMetavar("WORKSPACE=read-write|read|none"),
      Argument.withDescription("A workspace and what the peer may do there; none removes the grant"),
      Argument.variadic({ min: 1 })
    )
  },
  Effect.fn("TrustCommand.grant")(function*({ changes, endpointId }) {
    const { json } = yield* RootCommand.command
    const parsed = yield* parseGrantChanges(changes)
    const registry = yield* IdentityRegistry
    const existing = yield* registry.lookup(endpointId)
    if (Option.isNone(existing)) {
      return yield* usageError(
        `${shortId(endpointId)} is not trusted; trust it first: verse-sync trust add ${endpointId}`
      )
    }

    const grants: Record<string, Access> = { ...existing.value.grants }
    for (const [workspace, access] of parsed) {
      if (access === "none") delete grants[workspace]
      else grants[workspace] = access
    }
    const peer = yield* registry.trust({ endpointId, grants })

    const note = peer.role === "self" ? "; as a self peer it writes to every workspace whatever its grants" : ""
    yield* Output.make({ json }).print(`trusted ${describePeer(peer)}${note}`, peer)
  }, RootCommand.provideIdentity)
).pipe(Command.withDescription("Change what a trusted peer may do in some workspaces, keeping its other grants"))

/** `trust list`: every trusted peer, one a line (JSON: one entry a line, as stored). */
const list = Command.make(
  "list",
  {},
  Effect.fn("TrustCommand.list")(function*() {
    const { json } = yield* RootCommand.command
    const output = Output.make({ json })
    const registry = yield* IdentityRegistry
    const peers = yield* registry.list
    if (peers.length === 0) yield* output.text("no trusted peers; add one with `verse-sync trust add <endpoint-id>`")
    for (const peer of peers) {
      const lastSeen = peer.lastSeenAt === undefined ? "never seen" : `last seen ${formatTime(peer.lastSeenAt)}`
      yield* output.print(`${peer.endpointId} ${describePeer(peer)}, ${lastSeen}`, peer)
    }
  }, RootCommand.provideIdentity)
).pipe(Command.withDescription("List the trusted peers"))

/**
 * `trust remove <endpoint-id>`: stops trusting a peer. Removing a peer that
 * is not trusted changes nothing and is not an error (`"removed": false`).
 */
const remove = Command.make(
  "remove",
  { endpointId: endpointIdArgument },
  Effect.fn("TrustCommand.remove")(function*({ endpointId }) {
    const { json } = yield* RootCommand.command
    const registry = yield* IdentityRegistry
    const removed = yield* registry.revoke(endpointId)
    yield* Output.make({ json }).print(
      removed ? `removed ${shortId(endpointId)}` : `${shortId(endpointId)} was not trusted; nothing changed`,
      { endpointId, removed }
    )
  }, RootCommand.provideIdentity)
).pipe(Command.withDescription("Stop trusting a peer; a live session of it is closed"))

/** The `trust` subcommand with `add`, `grant`, `list` and `remove`. */
export const command = Command.make("trust").pipe(
  Command.withDescription("Manage the peers this device trusts"),
  Command.withSubcommands([add, grant, list, remove])
)

const isWorkspaceId = Schema.is(WorkspaceId)
const isAccess = Schema.is(Access)
const isGrantChange = Schema.is(GrantChange)

// What a workspace id may be, for a person who typed a wrong one.
const workspaceRule = "a workspace is 1 to 128 of A-Z a-z 0-9 . _ : -"

/** The `WORKSPACE=ACCESS` arguments of `trust grant`, in order, or a usage error naming the first bad one. */
const parseGrantChanges = (
  changes: ReadonlyArray<string>
): Effect.Effect<Array<[WorkspaceId, typeof GrantChange.Type]>, CommandFailure> => {
  const parsed: Array<[WorkspaceId, typeof GrantChange.Type]> = []
  for (const change of changes) {
    const separator = change.indexOf("=")
    if (separator === -1) {
      return Effect.fail(usageError(`${change}: give a workspace and an access, as in ${change}=read-write`))
    }
    const workspace = change.slice(0, separator)
    const access = change.slice(separator + 1)
    if (!isWorkspaceId(workspace)) return Effect.fail(usageError(`${change}: ${workspaceRule}`))
    if (!isGrantChange(access)) return Effect.fail(usageError(`${change}: the access is read-write, read or none`))
    parsed.push([workspace, access])
  }
  return Effect.succeed(parsed)
}

/** The grants of `--grant` flags, or a usage error naming the first bad one. */
const checkGrants = (grants: Readonly<Record<string, string>>): Effect.Effect<Grants, CommandFailure> => {
  for (const [workspace, access] of Object.entries(grants)) {
    if (!isWorkspaceId(workspace)) {
      return Effect.fail(usageError(`--grant ${workspace}=${access}: ${workspaceRule}`))
    }
    if (!isAccess(access)) {
      return Effect.fail(usageError(`--grant ${workspace}=${access}: the access is read or read-write`))
    }
  }
  return Effect.succeed(grants as Grants)
}

/** `"laptop" (3f2a1b04c9, self)`, `"alice" (ab12cd34ef, friend: research read-write)`. */
const describePeer = (peer: TrustedPeer): string => {
  const grants = Object.entries(peer.grants).map(([workspace, access]) => `${workspace} ${access}`)
  const access = peer.role === "self"
    ? "self"
    : `friend: ${grants.length === 0 ? "no grants" : grants.join(", ")}`
  return `"${peer.displayName}" (${shortId(peer.endpointId)}, ${access})`
}

const formatTime = (at: number): string => new Date(at).toISOString()
