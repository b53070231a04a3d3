/**
 * Binds and connects a socket to the endpoints a pattern was given: every
 * `bind` first (in order, each awaited), then every `connect`. Returns the
 * bound endpoints as resolved (a `tcp://...:0` becomes its real port), for
 * the pattern's `endpoints` getter. A bind failure rejects with the socket's
 * own error (EADDRINUSE, ...); a connect to a malformed address with a
 * {@link PatternError} `EINVAL` naming it.
 */
import type { Socket } from "@skein/core";
import { isDnsEndpoint } from "../discovery/dns-endpoint.js";
import { PatternError } from "../errors.js";

export async function attachEndpoints(socket: Socket, bind: readonly string[] = [], connect: readonly string[] = []): Promise<string[]> {
  const bound: string[] = [];
  for (const address of [...bind, ...connect]) {
    if (isDnsEndpoint(address)) {
      throw new PatternError("EINVAL", `${address}: a DNS name of many instances is for the connecting side of a pattern (RpcClient, TopicSubscriber, SnapshotSubscriber, Worker, BrokerWorker), not here`);
    }
  }
  for (const address of bind) {
    await socket.bind(address);
    bound.push(socket.lastEndpoint ?? address);
  }
  for (const address of connect) {
    try {
      socket.connect(address);
    } catch (error) {
      throw new PatternError("EINVAL", `Cannot connect to ${address}: ${(error as Error).message}`, { cause: error });
    }
  }
  return bound;
}
