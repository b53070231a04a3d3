/**
 * The ws:// transport (RFC 45, ZWS 2.0: ZeroMQ over WebSocket):
 * `ws://host:port/path` to bind (`*` host and `*`/`0` port as for tcp://,
 * reported by `lastEndpoint` as `ws://127.0.0.1:PORT/path`) and to connect.
 * Each connection upgrades from HTTP/1.1 and then carries ZMTP frames as
 * binary WebSocket messages (see {@link WsEngine}). wss:// is the same over
 * a TLS session (see wss.ts, which passes a {@link WsSecurity}).
 */
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { ZmqError, toZmqError } from "../../errors.js";
import { parseWs, type WsEndpoint } from "../endpoint.js";
import { StreamConnecter, StreamListener, type EngineFactory, type StreamHost } from "../stream.js";
import type { Transport } from "../transport.js";
import { WsEngine } from "./ws-engine.js";

/** What wss:// puts under the WebSocket of each connection. */
export interface WsSecurity {
  readonly scheme: "wss";
  /** Starts TLS on a new connection; returns the stream the WebSocket runs on. */
  secure(stream: NetSocket): NetSocket;
  /** Turns a failure of the connection before the upgrade into the error reported. */
  describeError(error: NodeJS.ErrnoException, endpoint: string): ZmqError;
}

/** Formats a ws endpoint the way libzmq reports `lastEndpoint`. */
export function formatWs(host: string, port: number, path: string, scheme: "ws" | "wss" = "ws"): string {
  return host.includes(":") ? `${scheme}://[${host}]:${port}${path}` : `${scheme}://${host}:${port}${path}`;
}

function refuseStream(host: StreamHost, address: string, scheme: string): void {
  // A STREAM socket carries raw bytes; ZWS frames are not that.
  if (host.createEngine !== undefined) throw new ZmqError("EPROTONOSUPPORT", `STREAM sockets do not support ${scheme}://`, address);
}

export async function bindWs(
  host: StreamHost,
  address: string,
  hostName: string,
  port: number,
  path: string,
  security: WsSecurity | null = null,
): Promise<StreamListener> {
  const scheme = security?.scheme ?? "ws";
  refuseStream(host, address, scheme);
  const describeError = security?.describeError ?? toZmqError;
  const factory: EngineFactory = (stream, session, endpoint, peer) => {
    const carrier = security === null ? stream : security.secure(stream);
    const engine = new WsEngine(carrier, host, session, endpoint, peer, { client: false }, describeError);
    engine.start();
    return engine;
  };
  const listener = new StreamListener(host, "ws", factory);
  await listener.listen({ host: hostName, port, backlog: host.option<number>("backlog"), exclusive: true }, address, (server) => {
    const info = server.address() as AddressInfo;
    return formatWs(info.address, info.port, path, scheme);
  });
  return listener;
}

export function connectWs(
  host: StreamHost,
  address: string,
  hostName: string,
  port: number,
  path: string,
  routingId: Buffer | null,
  security: WsSecurity | null = null,
): StreamConnecter {
  refuseStream(host, address, security?.scheme ?? "ws");
  const describeError = security?.describeError ?? toZmqError;
  const hostHeader = hostName.includes(":") ? `[${hostName}]:${port}` : `${hostName}:${port}`;
  const factory: EngineFactory = (stream, session, endpoint, peer) => {
    const carrier = security === null ? stream : security.secure(stream);
    const engine = new WsEngine(carrier, host, session, endpoint, peer, { client: true, host: hostHeader, path }, describeError);
    engine.start();
    return engine;
  };
  const family = host.option<boolean>("ipv6") ? 0 : hostName.includes(":") ? 6 : 0;
  return new StreamConnecter(host, address, { host: hostName, port, family }, "ws", routingId, factory);
}

/**
 * A ZWS scheme in the transport table: ws:// here, wss:// (wss.ts) with its
 * TLS bind and connect; both parse and treat wildcards alike.
 */
export function zwsTransport(
  scheme: "ws" | "wss",
  bind: (host: StreamHost, address: string, hostName: string, port: number, path: string) => Promise<StreamListener>,
  connect: (host: StreamHost, address: string, hostName: string, port: number, path: string, routingId: Buffer | null) => StreamConnecter,
): Transport<WsEndpoint> {
  return {
    scheme,
    parse: (address, rest, forBind, ipv6) => parseWs(scheme, address, rest, forBind, ipv6),
    bind: (host, endpoint) => bind(host, endpoint.address, endpoint.host, endpoint.port, endpoint.path),
    connect: (host, endpoint, routingId) => connect(host, endpoint.address, endpoint.host, endpoint.port, endpoint.path, routingId),
    isWildcard: (endpoint) => endpoint.port === 0,
  };
}

/** ws:// in the transport table (registered by the Node entry). */
export const ws = zwsTransport("ws", bindWs, connectWs);
