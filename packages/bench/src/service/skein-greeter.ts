/**
 * The greeter on `@skein/service`: a decorated class served by an app
 * (ROUTER, typed envelope, protobuf codecs from `greeter.proto`), called
 * through the generated typed client over DEALER.
 */
import "reflect-metadata";
import { connect, createApp, Rpc, Service } from "@skein/service";
import { GreeterService, type HelloRequest } from "../generated/index.js";
import { greeting, type GreeterClient, type GreeterServer } from "./contract.js";

@Service(GreeterService)
class Greeter {
  @Rpc()
  sayHello(request: HelloRequest) {
    return { message: greeting(request.name) };
  }

  @Rpc()
  async *sayHelloStream(request: HelloRequest) {
    const message = greeting(request.name);
    for (let index = 0; index < Math.max(1, request.times); index++) yield { message, index };
  }
}

export async function serveSkein(): Promise<GreeterServer> {
  const app = createApp({ name: "bench-greeter", services: [Greeter], endpoints: { rpc: { bind: ["tcp://127.0.0.1:0"] } }, env: false });
  await app.start();
  return { endpoint: app.endpoints.rpc[0]!, close: () => app.stop(1_000) };
}

export async function connectSkein(endpoint: string): Promise<GreeterClient> {
  const connection = connect(GreeterService, { endpoints: [endpoint], timeout: 30_000 });
  const { client } = connection;
  return {
    sayHello: async (name) => (await client.sayHello({ name })).message,
    sayHelloStream: async (name, times) => {
      let count = 0;
      for await (const reply of client.sayHelloStream({ name, times })) if (reply.message.length > 0) count++;
      return count;
    },
    close: () => connection.close(),
  };
}
