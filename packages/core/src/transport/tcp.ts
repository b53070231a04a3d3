/**
 * The tcp:// transport: `tcp://host:port` to bind (`*` for every interface,
 * port `*` or `0` for an ephemeral one, reported by `lastEndpoint`) and to
 * connect (host names are resolved). IPv6 hosts go in brackets.
 */
import type { AddressInfo } from "node:net";
import { formatTcp, parseTcp, type TcpEndpoint } from "./endpoint.js";
import { StreamConnecter, StreamListener, type StreamHost } from "./stream.js";
import type { Transport } from "./transport.js";

export async function bindTcp(host: StreamHost, address: string, hostName: string, port: number): Promise<StreamListener> {
  const listener = new StreamListener(host, "tcp");
  const ipv6Only = false;
  await listener.listen(
    { host: hostName, port, backlog: host.option<number>("backlog"), ipv6Only, exclusive: true },
    address,
    (server) => {
      const info = server.address() as AddressInfo;
      // libzmq reports the wildcard as the address it bound: 0.0.0.0 or ::.
      return formatTcp(info.address, info.port);
    },
  );
  return listener;
}

export function connectTcp(host: StreamHost, address: string, hostName: string, port: number, routingId: Buffer | null): StreamConnecter {
  const family = host.option<boolean>("ipv6") ? 0 : hostName.includes(":") ? 6 : 0;
  return new StreamConnecter(host, address, { host: hostName, port, family }, "tcp", routingId);
}

/** tcp:// in the transport table (registered by the Node entry). */
export const tcp: Transport<TcpEndpoint> = {
  scheme: "tcp",
  parse: parseTcp,
  bind: (host, endpoint) => bindTcp(host, endpoint.address, endpoint.host, endpoint.port),
  connect: (host, endpoint, routingId) => connectTcp(host, endpoint.address, endpoint.host, endpoint.port, routingId),
  isWildcard: (endpoint) => endpoint.port === 0,
};
