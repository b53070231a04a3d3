import "reflect-metadata";
import { TypeRegistry } from "@skein/codec";
import { GreeterService } from "./generated/index.js";
import { Container } from "inversify";
import { afterEach, expect, test } from "vitest";
import { connect, createApp, HealthService } from "../src/index.js";
import { describeSchemas } from "../src/reflection.js";
import { GREETING, Greeter, HOOKS, LOOPBACK } from "./fixtures.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

test("Describe sends schemas from which a caller with no .proto encodes a request and decodes the reply", async () => {
  const container = new Container();
  container.bind(GREETING).toConstantValue("Hello");
  container.bind(HOOKS).toConstantValue({});
  const app = createApp({ name: "greeter", container, services: [Greeter], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false });
  await app.start();
  cleanup.push(() => app.stop(1_000));
  const health = connect(HealthService, { endpoints: app.endpoints.rpc });
  cleanup.push(() => health.close());

  const { schemas } = await health.client.describe({});
  const registries = schemas.map((schema) => TypeRegistry.fromJSON(JSON.parse(schema) as Record<string, unknown>));
  const registryOf = (type: string): TypeRegistry => registries.find((registry) => registry.has(type))!;
  // The greeter's own types and the built-in skein.Health ones, each root once.
  expect(registries.some((registry) => registry.has("example.HelloRequest"))).toBe(true);
  expect(registries.some((registry) => registry.has("skein.DescribeReply"))).toBe(true);
  expect(schemas).toHaveLength(2);

  // What the generated codec encodes, the reflected registry decodes, and the other way round.
  const request = registryOf("example.HelloRequest").encode("example.HelloRequest", { name: "Ada", times: 2 });
  expect(GreeterService.methods.sayHello.requestCodec.decode(request)).toMatchObject({ name: "Ada", times: 2 });
  const reply = GreeterService.methods.sayHello.responseCodec.encode({ message: "Hello, Ada!", index: 1 });
  expect(registryOf("example.HelloReply").decode("example.HelloReply", reply)).toMatchObject({ message: "Hello, Ada!", index: 1 });
});

test("a method whose codecs are not reflection-based is described without a schema", () => {
  const handWritten = { typeName: "x.Raw", encode: () => Buffer.alloc(0), decode: () => ({}) };
  const method = { name: "Raw", requestType: "x.Raw", responseType: "x.Raw", requestCodec: handWritten, responseCodec: handWritten, clientStreaming: false, serverStreaming: false };
  expect(describeSchemas([method])).toEqual([]);
  expect(describeSchemas([HealthService.methods.ping, HealthService.methods.describe])).toHaveLength(1);
});
