/**
 * The greeter on NestJS microservices with its TCP transport (JSON over
 * length-prefixed frames): a `@MessagePattern` handler in a controller, and
 * a `ClientProxy` sending to it. Unary only: the TCP transport has no
 * server streams.
 */
import "reflect-metadata";
import { Controller, Module } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { ClientProxyFactory, MessagePattern, Transport, type ClientProxy } from "@nestjs/microservices";
import type { Server } from "node:net";
import { firstValueFrom } from "rxjs";
import { greeting, type GreeterClient, type GreeterServer } from "./contract.js";

@Controller()
class GreeterController {
  @MessagePattern("sayHello")
  sayHello(request: { name: string }): { message: string } {
    return { message: greeting(request.name) };
  }
}

@Module({ controllers: [GreeterController] })
class GreeterModule {}

export async function serveNest(): Promise<GreeterServer> {
  const app = await NestFactory.createMicroservice(GreeterModule, { transport: Transport.TCP, options: { host: "127.0.0.1", port: 0 }, logger: false });
  await app.listen();
  const address = app.unwrap<Server>().address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { endpoint: `127.0.0.1:${port}`, close: () => app.close() };
}

export async function connectNest(endpoint: string): Promise<GreeterClient> {
  const [host, port] = endpoint.split(":");
  const client: ClientProxy = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: host!, port: Number(port) } });
  await client.connect();
  return {
    sayHello: async (name) => (await firstValueFrom(client.send<{ message: string }>("sayHello", { name }))).message,
    close: async () => client.close(),
  };
}
