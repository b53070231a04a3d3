/**
 * Request-reply through the full service stack (typed client, envelope,
 * trace header, RpcClient/RpcServer, dispatcher, decorated handler) next to
 * the layers below it, over tcp loopback in one process:
 *
 * - raw `@skein/core` REQ/REP, one call at a time (the floor);
 * - `@skein/patterns` RpcClient/RpcServer with opaque frames;
 * - `@skein/service` typed calls, one at a time and 64 in flight.
 *
 * Reports only; never fails on timing. Run from the repository root after
 * `pnpm build`: `npx vitest bench --run packages/service/bench`.
 */
import "reflect-metadata";
import { GreeterService, type HelloRequest } from "@skein/example-codegen";
import { Reply, Request } from "@skein/core";
import { RpcClient, RpcServer } from "@skein/patterns";
import { afterAll, beforeAll, bench, describe } from "vitest";
import { type App, connect, createApp, Rpc, Service, type ServiceConnection } from "../src/index.js";

@Service(GreeterService)
class Greeter {
  @Rpc()
  sayHello(request: HelloRequest) {
    return { message: `Hello, ${request.name}!` };
  }
}

const LOOPBACK = "tcp://127.0.0.1:0";
const IN_FLIGHT = 64;
const payload = Buffer.from("Hello, Ada!");

let rep: Reply;
let req: Request;
let repLoop: Promise<void>;
let rpcServer: RpcServer;
let rpcClient: RpcClient;
let app: App;
let greeter: ServiceConnection<typeof GreeterService>;

beforeAll(async () => {
  rep = new Reply();
  await rep.bind(LOOPBACK);
  req = new Request();
  req.connect(rep.lastEndpoint!);
  repLoop = (async () => {
    for (;;) {
      let message: Buffer[];
      try {
        message = await rep.receive();
      } catch {
        return;
      }
      await rep.send(message);
    }
  })();

  rpcServer = new RpcServer({ bind: [LOOPBACK] });
  await rpcServer.serve((frames) => frames);
  rpcClient = new RpcClient({ endpoints: rpcServer.endpoints });

  app = createApp({ name: "bench", services: [Greeter], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false });
  await app.start();
  greeter = connect(GreeterService, { endpoints: app.endpoints.rpc });
});

afterAll(async () => {
  await greeter.close();
  await app.stop();
  await rpcClient.close();
  await rpcServer.close();
  req.close();
  rep.close();
  await repLoop;
});

describe("request-reply round trip, 1 in flight (calls/s = hz)", () => {
  bench("core REQ/REP (raw frames)", async () => {
    await req.send(payload);
    await req.receive();
  });
  bench("patterns RpcClient/RpcServer (raw frames)", async () => {
    await rpcClient.request([payload]);
  });
  bench("service typed call (greeter.sayHello)", async () => {
    await greeter.client.sayHello({ name: "Ada" });
  });
});

describe(`request-reply, ${IN_FLIGHT} in flight on one connection (calls/s = hz × ${IN_FLIGHT})`, () => {
  bench(`patterns RpcClient/RpcServer × ${IN_FLIGHT}`, async () => {
    await Promise.all(Array.from({ length: IN_FLIGHT }, () => rpcClient.request([payload])));
  });
  bench(`service typed call × ${IN_FLIGHT}`, async () => {
    await Promise.all(Array.from({ length: IN_FLIGHT }, () => greeter.client.sayHello({ name: "Ada" })));
  });
});
