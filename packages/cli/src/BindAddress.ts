/**
 * `--bind HOST:PORT`: where a command's iroh endpoint binds. `serve` binds
 * where peers dial it; `push` binds the socket it dials from, which must be
 * able to reach the peer (a dialer bound to `127.0.0.1` reaches loopback
 * only).
 *
 * The binding takes an IP address and a port, not a host name: `0.0.0.0:0`,
 * `127.0.0.1:4433`, `[::]:0`. Port 0 picks a free port; the ticket `serve`
 * prints carries the one picked. The address is checked here, before
 * anything binds, so a typo is a usage error rather than a worker that
 * crashes and restarts until it gives up.
 */
import { Option } from "effect"
import { Flag } from "effect/cli"
import * as net from "node:net"

const bindAddressPattern = /^(?:\[(?<ipv6>[^\]]+)\]|(?<ipv4>[^:]+)):(?<port>\d{1,5})$/

/** Whether `address` is an IP address and a port the endpoint can bind. */
export const isBindAddress = (address: string): boolean => {
  const match = bindAddressPattern.exec(address)
  if (match?.groups === undefined) return false
  const { ipv4, ipv6, port } = match.groups
  const family = ipv6 !== undefined ? net.isIPv6(ipv6) : net.isIPv4(ipv4!)
  return family && Number(port) <= 65535
}

/**
 * The `--bind` flag, optional: `None` keeps the command's default. `where`
 * starts its help text ("Where peers dial this node"); `defaults` ends it.
 */
export const flag = (where: string, defaults: string) =>
  Flag.String("bind").pipe(
    Flag.withMetavar("HOST:PORT"),
    Flag.withDescription(`${where}: an IP address and a port, 0 for any free one (${defaults})`),
    Flag.filterMap(
      (address) => isBindAddress(address) ? Option.some(address) : Option.none(),
      (address) => `"${address}" is not IP:PORT (e.g. 0.0.0.0:0, 127.0.0.1:4433, [::]:0)`
    ),
    Flag.optional
  )
