/**
 * The ws:// transport (RFC 45, ZWS 2.0: ZeroMQ over WebSocket):
 * `ws://host:port/path` to bind (`*` host and `*`/`0` port as for tcp://,
 * reported by `lastEndpoint` as `ws://127.0.0.1:PORT/path`) and to connect.
 * Each connection upgrades from HTTP/1.1 and then carries ZMTP frames as
 * binary WebSocket messages (see {@link WsEngine}).
 */
import type { AddressInfo } from "node:net";
import { ZmqError } from "../errors.js";
import { StreamConnecter, StreamListener, type EngineFactory, type StreamHost } from "./stream.js";
import { WsEngine } from "./ws-engine.js";

/** Formats a ws endpoint the way libzmq reports `lastEndpoint`. */
export function formatWs(host: string, port: number, path: string): string {
  return host.includes(":") ? `ws://[${host}]:${port}${path}` : `ws://${host}:${port}${path}`;
}

function refuseStream(host: StreamHost, address: string): void {
  // A STREAM socket carries raw bytes; ZWS frames are not that.
  if (host.createEngine !== undefined) throw new ZmqError("EPROTONOSUPPORT", "STREAM sockets do not support ws://", address);
}

export async function bindWs(host: StreamHost, address: string, hostName: string, port: number, path: string): Promise<StreamListener> {
  refuseStream(host, address);
  const factory: EngineFactory = (stream, session, endpoint, peer) => {
    const engine = new WsEngine(stream, host, session, endpoint, peer, { client: false });
    engine.start();
    return engine;
  };
  const listener = new StreamListener(host, "ws", factory);
  await listener.listen({ host: hostName, port, backlog: host.option<number>("backlog"), exclusive: true }, address, (server) => {
    const info = server.address() as AddressInfo;
    return formatWs(info.address, info.port, path);
  });
  return listener;
}

export function connectWs(host: StreamHost, address: string, hostName: string, port: number, path: string, routingId: Buffer | null): StreamConnecter {
  refuseStream(host, address);
  const hostHeader = hostName.includes(":") ? `[${hostName}]:${port}` : `${hostName}:${port}`;
  const factory: EngineFactory = (stream, session, endpoint, peer) => {
    const engine = new WsEngine(stream, host, session, endpoint, peer, { client: true, host: hostHeader, path });
    engine.start();
    return engine;
  };
  const family = host.option<boolean>("ipv6") ? 0 : hostName.includes(":") ? 6 : 0;
  return new StreamConnecter(host, address, { host: hostName, port, family }, "ws", routingId, factory);
}
