/**
 * The greeter on Moleculer with its TCP transporter (JSON serializer, a
 * broker per process, static discovery of the server's address): a
 * `greeter.sayHello` action, called with `broker.call`. Unary only.
 */
import Moleculer from "moleculer";
import { freePort, greeting, type GreeterClient, type GreeterServer } from "./contract.js";

const { ServiceBroker } = Moleculer;

function broker(nodeID: string, port: number, urls: string[]): Moleculer.ServiceBroker {
  return new ServiceBroker({
    nodeID,
    logger: false,
    transporter: { type: "TCP", options: { udpDiscovery: false, port, urls } },
  });
}

export async function serveMoleculer(): Promise<GreeterServer> {
  const port = await freePort();
  const server = broker("greeter-server", port, []);
  server.createService({
    name: "greeter",
    actions: {
      sayHello: (context: Moleculer.Context<{ name: string }>) => ({ message: greeting(context.params.name) }),
    },
  });
  await server.start();
  return { endpoint: `127.0.0.1:${port}/greeter-server`, close: () => server.stop() };
}

export async function connectMoleculer(endpoint: string): Promise<GreeterClient> {
  const client = broker("greeter-client", await freePort(), [endpoint]);
  await client.start();
  await client.waitForServices("greeter", 10_000);
  return {
    sayHello: async (name) => ((await client.call("greeter.sayHello", { name })) as { message: string }).message,
    close: () => client.stop(),
  };
}
