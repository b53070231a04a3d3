/**
 * The transport table: what a socket knows of transports (as zmq.rs keeps
 * its match on the scheme in `transport/mod.rs`). A socket parses an
 * endpoint, looks its scheme up here and calls the entry's `bind` or
 * `connect`; it names no scheme itself. inproc:// is built in (its name
 * space belongs to the context); the Node entry registers tcp, ipc, ws and
 * wss (transport/node-transports.ts), a browser entry only what runs there.
 *
 * Adding a transport: one file that exports a {@link Transport}, and one
 * {@link registerTransport} call in the entry that offers it.
 */
import { ZmqError } from "../errors.js";
import type { Pipe } from "../pipe.js";
import type { Endpoint } from "./endpoint.js";
import { inproc, type InprocHost } from "./inproc.js";
import type { StreamHost } from "./stream.js";

/** What a transport may ask of the socket that binds or connects. */
export type TransportHost = StreamHost & InprocHost;

/** A bound endpoint, as the socket keeps it until unbind or close. */
export interface Listener {
  /** The endpoint as resolved by the bind (what `lastEndpoint` shows: the port chosen, the ipc path made). */
  readonly endpoint: string;
  /** Stops accepting; `terminateConnections` also drops the peers accepted there (unbind, close). */
  close(terminateConnections: boolean, lingerMs: number): void;
}

/** A connected endpoint: it (re)connects in the background and carries one pipe. */
export interface Connecter {
  /** The pipe of this connect, once there is one. */
  readonly pipe: Pipe | null;
  /** Starts connecting (called once, after the socket recorded the connecter). */
  start(): void;
  /**
   * Stops (disconnect, close). Returns true when the pipe stays alive to
   * deliver queued messages within `lingerMs`: the socket then forgets it.
   */
  close(lingerMs: number): boolean;
}

/** One entry of the table: a scheme and what binding and connecting to it mean. */
export interface Transport<E extends Endpoint = Endpoint> {
  /** The scheme before `://`: `tcp`, `ipc`, `ws`... */
  readonly scheme: string;
  /**
   * Parses what follows `scheme://` (`rest`); throws `EINVAL` for a
   * malformed address. `forBind` allows wildcards; `ipv6` is the socket's option.
   */
  parse(address: string, rest: string, forBind: boolean, ipv6: boolean): E;
  /** Binds; rejects with a coded error (`EADDRINUSE`...). A transport that binds at once may return the listener itself. */
  bind(host: TransportHost, endpoint: E): Promise<Listener> | Listener;
  /** True when {@link bind} returns the listener at once (inproc): `bindSync()` works for it. */
  readonly bindsSynchronously?: boolean;
  /** Makes the connecter of a `connect()`; `routingId` is the one `connect()` gave for the peer. */
  connect(host: TransportHost, endpoint: E, routingId: Buffer | null): Connecter;
  /**
   * Whether a bind address names no endpoint of its own (a wildcard port,
   * `ipc://*`): unbind then takes only the resolved endpoint, as libzmq.
   */
  isWildcard(endpoint: E): boolean;
  /** True when one address may be connected more than once (inproc: a pipe each). */
  readonly connectsRepeatedly?: boolean;
}

/** libzmq's transports that skein has no implementation of (docs/compat.md). */
const UNSUPPORTED: ReadonlySet<string> = new Set(["pgm", "norm", "tipc", "vmci"]);
/** skein's transports that an entry may leave out (the browser entry has ws:// only). */
const OPTIONAL: ReadonlySet<string> = new Set(["tcp", "ipc", "ws", "wss", "udp", "epgm"]);

const transports = new Map<string, Transport>([["inproc", inproc as Transport]]);

/** Adds a transport to the table (or replaces the one of its scheme). */
export function registerTransport<E extends Endpoint>(transport: Transport<E>): void {
  transports.set(transport.scheme, transport as unknown as Transport);
}

/** The schemes registered, in order of registration. */
export function registeredSchemes(): string[] {
  return [...transports.keys()];
}

/**
 * Splits `scheme://rest` and parses it with the registered transport.
 * Throws `EINVAL` for a malformed address, `EPROTONOSUPPORT` for a scheme
 * that is unknown, unsupported by skein, or not registered by this entry.
 */
export function resolveEndpoint(address: string, forBind: boolean, ipv6: boolean): { transport: Transport; endpoint: Endpoint } {
  if (typeof address !== "string") throw new TypeError("Address must be a string");
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/.exec(address);
  if (match === null) throw new ZmqError("EINVAL", `Invalid address ${JSON.stringify(address)}: expected transport://address`, address);
  const [, scheme, rest] = match as unknown as [string, string, string];
  const transport = transports.get(scheme);
  if (transport === undefined) throw unregistered(scheme, address);
  return { transport, endpoint: transport.parse(address, rest, forBind, ipv6) };
}

/** {@link resolveEndpoint}'s endpoint alone. */
export function parseEndpoint(address: string, forBind: boolean, ipv6: boolean): Endpoint {
  return resolveEndpoint(address, forBind, ipv6).endpoint;
}

function unregistered(scheme: string, address: string): ZmqError {
  if (scheme === "pgm") {
    // PGM straight over IP needs raw sockets, which Node has not; the same protocol in UDP is epgm://.
    return new ZmqError(
      "EPROTONOSUPPORT",
      "Transport pgm:// is not supported by skein: it needs raw IP sockets, which Node does not offer; use epgm:// (PGM encapsulated in UDP, which libzmq speaks too)",
      address,
    );
  }
  if (UNSUPPORTED.has(scheme)) {
    return new ZmqError("EPROTONOSUPPORT", `Transport ${scheme}:// is not supported by skein (see docs/compat.md)`, address);
  }
  if (OPTIONAL.has(scheme)) {
    const offered = registeredSchemes().map((s) => `${s}://`).join(", ");
    return new ZmqError("EPROTONOSUPPORT", `Transport ${scheme}:// is not available in this entry of @skein/core, which registers ${offered}`, address);
  }
  return new ZmqError("EPROTONOSUPPORT", `Unknown transport ${scheme}://`, address);
}
