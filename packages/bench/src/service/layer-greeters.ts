/**
 * The layers under `@skein/service`'s greeter, each answering the same
 * `sayHello` with no service layer above it, so `cpu-per-call.js` can say
 * what each layer adds to a call (client and server CPU, p50):
 *
 * - `core-req-rep`: core `Request`/`Reply` echoing the name (the runner's
 *   `req-rep tcp 16 B` case).
 * - `core-dealer-router`: core `Dealer`/`Router` with an 8-byte id frame,
 *   as `RpcClient`/`RpcServer` put on the wire, one call in flight a loop.
 * - `rpc-client-server`: `RpcClient`/`RpcServer` of `@skein/patterns`,
 *   frames in, frames out (no envelope, no codec, no dispatcher).
 *
 * Not cases of the runner: tools to attribute the service call's cost.
 */
import { Dealer, Reply, Request, Router } from "@skein/core";
import { RpcClient, RpcServer } from "@skein/patterns";
import { greeting, type GreeterClient, type GreeterServer } from "./contract.js";

/** The layers `cpu-per-call.js` can run besides the frameworks. */
export type LayerImpl = "core-req-rep" | "core-dealer-router" | "rpc-client-server";

export const LAYERS: readonly LayerImpl[] = ["core-req-rep", "core-dealer-router", "rpc-client-server"];

const BIND = "tcp://127.0.0.1:0";

/** Runs a receive loop; an error other than the one closing `socket` ends the process loudly. */
function loop(socket: { readonly closed: boolean }, body: () => Promise<void>): void {
  body().catch((error: unknown) => {
    if (socket.closed) return;
    console.error(error);
    process.exitCode = 1;
  });
}

function answer(name: Buffer): Buffer {
  return Buffer.from(greeting(name.toString()));
}

export async function serveLayer(layer: LayerImpl): Promise<GreeterServer> {
  switch (layer) {
    case "core-req-rep": {
      const socket = new Reply({ linger: 0 });
      await socket.bind(BIND);
      loop(socket, async () => {
        for await (const [name] of socket) await socket.send(answer(name!));
      });
      return { endpoint: socket.lastEndpoint!, close: async () => socket.close() };
    }
    case "core-dealer-router": {
      const socket = new Router({ linger: 0 });
      await socket.bind(BIND);
      loop(socket, async () => {
        for await (const [peer, id, name] of socket) await socket.send([peer!, id!, answer(name!)]);
      });
      return { endpoint: socket.lastEndpoint!, close: async () => socket.close() };
    }
    case "rpc-client-server": {
      const server = new RpcServer({ bind: [BIND] });
      await server.serve(([name]) => [answer(name!)]);
      return { endpoint: server.endpoints[0]!, close: () => server.close(1_000) };
    }
  }
}

export async function connectLayer(layer: LayerImpl, endpoint: string): Promise<GreeterClient> {
  switch (layer) {
    case "core-req-rep": {
      const socket = new Request({ linger: 0 });
      socket.connect(endpoint);
      return {
        sayHello: async (name) => {
          await socket.send(name);
          const [reply] = await socket.receive();
          return reply!.toString();
        },
        close: async () => socket.close(),
      };
    }
    case "core-dealer-router": {
      // One call in flight per id: replies are matched by their 8-byte id, as RpcClient does.
      const socket = new Dealer({ linger: 0 });
      socket.connect(endpoint);
      const waiting = new Map<bigint, (reply: string) => void>();
      let next = 0n;
      loop(socket, async () => {
        for await (const [id, reply] of socket) {
          const key = id!.readBigUInt64BE(0);
          waiting.get(key)?.(reply!.toString());
          waiting.delete(key);
        }
      });
      return {
        sayHello: (name) => {
          const id = Buffer.allocUnsafe(8);
          const key = next++;
          id.writeBigUInt64BE(key);
          return new Promise((resolve, reject) => {
            waiting.set(key, resolve);
            socket.send([id, Buffer.from(name)]).catch(reject);
          });
        },
        close: async () => socket.close(),
      };
    }
    case "rpc-client-server": {
      const client = new RpcClient({ endpoints: [endpoint], timeout: 30_000 });
      return {
        sayHello: async (name) => (await client.request([Buffer.from(name)]))[0]!.toString(),
        close: () => client.close(),
      };
    }
  }
}
