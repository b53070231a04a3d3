/**
 * Endpoint strings (`zmq_bind`/`zmq_connect` addresses) once their scheme is
 * known: `tcp://host:port`, `ipc://path`, `inproc://name`,
 * `ws://host:port/path`, `wss://host:port/path`, `udp://[interface;]host:port`. Each transport parses with
 * these (no Node module needed, so a browser entry shares them); the scheme
 * is looked up in the transport table (transport.ts). Malformed addresses
 * are refused with the codes libzmq uses.
 */
import { ZmqError } from "../errors.js";

/** A parsed endpoint: its scheme (`transport`), the address as given, and what its transport read from it. */
export interface Endpoint {
  readonly transport: string;
  readonly address: string;
}

export interface TcpEndpoint extends Endpoint {
  readonly transport: "tcp";
  readonly host: string;
  /** 0 for a wildcard (`*` or `0`) bind port. */
  readonly port: number;
}

export interface IpcEndpoint extends Endpoint {
  readonly transport: "ipc";
  /** The path, `@name` for an abstract socket, or `*` for a fresh one. */
  readonly path: string;
}

export interface InprocEndpoint extends Endpoint {
  readonly transport: "inproc";
  readonly name: string;
}

export interface WsEndpoint extends Endpoint {
  readonly transport: "ws" | "wss";
  readonly host: string;
  readonly port: number;
  /** The HTTP path of the upgrade, `/` by default. */
  readonly path: string;
}

/** `tcp://host:port` (`rest` is what follows `tcp://`); throws EINVAL. */
export function parseTcp(address: string, rest: string, forBind: boolean, ipv6: boolean): TcpEndpoint {
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
export function parseWs(transport: "ws" | "wss", address: string, rest: string, forBind: boolean, ipv6: boolean): WsEndpoint {
  const bracket = rest.startsWith("[") ? rest.indexOf("]") : -1;
  const slash = rest.indexOf("/", bracket < 0 ? 0 : bracket);
  const hostPort = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "/" : rest.slice(slash);
  if (/\s/.test(path)) throw new ZmqError("EINVAL", `Invalid ws path in ${JSON.stringify(address)}`, address);
  const tcp = parseTcp(address, hostPort, forBind, ipv6);
  return { transport, address, host: tcp.host, port: tcp.port, path };
}

/** `ipc://path`; throws EINVAL for an empty path. */
export function parseIpc(address: string, rest: string): IpcEndpoint {
  if (rest.length === 0) throw new ZmqError("EINVAL", "ipc:// needs a path", address);
  return { transport: "ipc", address, path: rest };
}

/** `inproc://name`; throws EINVAL for an empty name. */
export function parseInproc(address: string, rest: string): InprocEndpoint {
  if (rest.length === 0) throw new ZmqError("EINVAL", "inproc:// needs a name", address);
  return { transport: "inproc", address, name: rest };
}

export interface UdpEndpoint extends Endpoint {
  readonly transport: "udp";
  readonly host: string;
  /** 0 for a wildcard (`*` or `0`) bind port. */
  readonly port: number;
  /** The local address multicast goes through (`udp://127.0.0.1;239.0.0.1:5555`), or null. */
  readonly iface: string | null;
}

/**
 * `udp://[interface;]host:port`, as libzmq's `udp_address_t`: the host is an
 * address or a name (`*` binds every interface), a multicast group to join
 * (DISH) or send to (RADIO); `interface` names the local address multicast
 * goes through.
 */
export function parseUdp(address: string, rest: string, forBind: boolean, ipv6: boolean): UdpEndpoint {
  const semicolon = rest.indexOf(";");
  const iface = semicolon < 0 ? null : rest.slice(0, semicolon);
  const target = parseTcp(address, semicolon < 0 ? rest : rest.slice(semicolon + 1), forBind, ipv6);
  if (iface !== null && iface.length === 0) throw new ZmqError("EINVAL", `Invalid udp interface in ${JSON.stringify(address)}`, address);
  return { transport: "udp", address, host: target.host, port: target.port, iface: iface === "*" ? null : iface };
}

/** Formats a tcp endpoint the way libzmq reports `lastEndpoint`. */
export function formatTcp(host: string, port: number): string {
  return host.includes(":") ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`;
}
