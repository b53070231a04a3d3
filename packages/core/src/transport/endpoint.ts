/**
 * Endpoint strings (`zmq_bind`/`zmq_connect` addresses): `tcp://host:port`,
 * `ipc://path`, `inproc://name`, `ws://host:port/path`, `wss://host:port/path`,
 * `udp://[interface;]host:port` (draft sockets). Unsupported transports and malformed
 * addresses are refused with the codes libzmq uses.
 */
import { ZmqError } from "../errors.js";

export type Endpoint =
  | { transport: "tcp"; address: string; host: string; port: number }
  | { transport: "ipc"; address: string; path: string }
  | { transport: "inproc"; address: string; name: string }
  | { transport: "ws" | "wss"; address: string; host: string; port: number; path: string }
  | { transport: "udp"; address: string; host: string; port: number; iface: string | null };

/** Splits `proto://rest`; throws EINVAL / EPROTONOSUPPORT. */
export function parseEndpoint(address: string, forBind: boolean, ipv6: boolean): Endpoint {
  if (typeof address !== "string") throw new TypeError("Address must be a string");
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/.exec(address);
  if (match === null) throw new ZmqError("EINVAL", `Invalid address ${JSON.stringify(address)}: expected transport://address`, address);
  const [, transport, rest] = match as unknown as [string, string, string];
  switch (transport) {
    case "tcp":
      return parseTcp(address, rest, forBind, ipv6);
    case "ipc":
      if (rest.length === 0) throw new ZmqError("EINVAL", "ipc:// needs a path", address);
      return { transport: "ipc", address, path: rest };
    case "inproc":
      if (rest.length === 0) throw new ZmqError("EINVAL", "inproc:// needs a name", address);
      return { transport: "inproc", address, name: rest };
    case "ws":
    case "wss":
      return parseWs(transport, address, rest, forBind, ipv6);
    case "udp":
      return parseUdp(address, rest, forBind, ipv6);
    case "pgm":
    case "epgm":
    case "norm":
    case "tipc":
    case "vmci":
      throw new ZmqError("EPROTONOSUPPORT", `Transport ${transport}:// is not supported by skein (see docs/compat.md)`, address);
    default:
      throw new ZmqError("EPROTONOSUPPORT", `Unknown transport ${transport}://`, address);
  }
}

function parseTcp(address: string, rest: string, forBind: boolean, ipv6: boolean): Endpoint {
  // A connect address may name a source: tcp://source;host:port. Only the destination matters here.
  const target = rest.includes(";") ? rest.slice(rest.indexOf(";") + 1) : rest;
  const colon = target.lastIndexOf(":");
  if (colon < 0) throw new ZmqError("EINVAL", `Invalid tcp address ${JSON.stringify(address)}: missing port`, address);
  let host = target.slice(0, colon);
  const portText = target.slice(colon + 1);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  let port: number;
  if (portText === "*" || portText === "0") {
    if (!forBind) throw new ZmqError("EINVAL", `Cannot connect to a wildcard port: ${address}`, address);
    port = 0;
  } else {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      throw new ZmqError("EINVAL", `Invalid tcp port in ${JSON.stringify(address)}`, address);
    }
  }
  if (host === "*") {
    if (!forBind) throw new ZmqError("EINVAL", `Cannot connect to a wildcard host: ${address}`, address);
    host = ipv6 ? "::" : "0.0.0.0";
  }
  if (host.length === 0) throw new ZmqError("EINVAL", `Invalid tcp address ${JSON.stringify(address)}: missing host`, address);
  return { transport: "tcp", address, host, port };
}

/** RFC 45: `ws://host:port/path` (`wss://` over TLS); the path defaults to `/`. */
function parseWs(transport: "ws" | "wss", address: string, rest: string, forBind: boolean, ipv6: boolean): Endpoint {
  const bracket = rest.startsWith("[") ? rest.indexOf("]") : -1;
  const slash = rest.indexOf("/", bracket < 0 ? 0 : bracket);
  const hostPort = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "/" : rest.slice(slash);
  if (/\s/.test(path)) throw new ZmqError("EINVAL", `Invalid ws path in ${JSON.stringify(address)}`, address);
  const tcp = parseTcp(address, hostPort, forBind, ipv6) as { host: string; port: number };
  return { transport, address, host: tcp.host, port: tcp.port, path };
}

/**
 * `udp://[interface;]host:port`, as libzmq's `udp_address_t`: the host is an
 * address or a name (`*` binds every interface), a multicast group to join
 * (DISH) or send to (RADIO); `interface` names the local address multicast
 * goes through.
 */
function parseUdp(address: string, rest: string, forBind: boolean, ipv6: boolean): Endpoint {
  const semicolon = rest.indexOf(";");
  const iface = semicolon < 0 ? null : rest.slice(0, semicolon);
  const tcp = parseTcp(address, semicolon < 0 ? rest : rest.slice(semicolon + 1), forBind, ipv6) as { host: string; port: number };
  if (iface !== null && iface.length === 0) throw new ZmqError("EINVAL", `Invalid udp interface in ${JSON.stringify(address)}`, address);
  return { transport: "udp", address, host: tcp.host, port: tcp.port, iface: iface === "*" ? null : iface };
}

/** Formats a tcp endpoint the way libzmq reports `lastEndpoint`. */
export function formatTcp(host: string, port: number): string {
  return host.includes(":") ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`;
}
