// A TypeScript program: compiled as CommonJS (`"module": "commonjs"`, and a .cts under
// `"module": "nodenext"`) and as an ES module (a .mts under `"module": "nodenext"`), then run.
// Types come from the packages' `types` conditions: a wrong one fails the compile.
import "reflect-metadata";
import { Pull, Push } from "@skein/core";
import { decodeEnvelope, encodeEnvelope, type Envelope, type MessageCodec, type ServiceDescriptor, TypeRegistry } from "@skein/codec";
import { RpcClient, RpcServer } from "@skein/patterns";
import { connect, createApp, Rpc, Service } from "@skein/service";
import { Container, inject } from "inversify";

const ANY = "tcp://127.0.0.1:0";

async function core(): Promise<string> {
  const pull = new Pull();
  await pull.bind(ANY);
  const push = new Push();
  push.connect(pull.lastEndpoint!);
  await push.send("hello over tcp");
  const [message]: Buffer[] = await pull.receive();
  push.close();
  pull.close();
  return `core: ${message}`;
}

function codec(): string {
  const frames: Buffer[] = encodeEnvelope({ kind: "request", service: "demo.Greeter", method: "Greet", correlationId: "7", payload: [Buffer.from("ada")] });
  const envelope: Envelope = decodeEnvelope(frames);
  return `codec: ${envelope.kind} ${envelope.service}/${envelope.method} #${envelope.correlationId} ${envelope.payload[0]}`;
}

async function patterns(): Promise<string> {
  const server = new RpcServer({ bind: [ANY] });
  await server.serve(([name]) => [Buffer.from(`hello ${name}`)]);
  const client = new RpcClient({ endpoints: server.endpoints, timeout: 5_000 });
  const [reply] = await client.request([Buffer.from("ada")]);
  await client.close();
  await server.close();
  return `patterns: ${reply}`;
}

interface Name { name: string }
interface Greeting { text: string }
const registry = new TypeRegistry().registerProto(`
  syntax = "proto3";
  package demo;
  message Name { string name = 1; }
  message Greeting { string text = 1; }
`);
const nameCodec: MessageCodec<Name> = registry.codec<Name>("demo.Name");
const GreeterService = {
  name: "demo.Greeter",
  methods: {
    greet: {
      name: "Greet", requestType: "demo.Name", responseType: "demo.Greeting",
      requestCodec: nameCodec, responseCodec: registry.codec<Greeting>("demo.Greeting"),
      clientStreaming: false, serverStreaming: false,
    },
  },
} as const satisfies ServiceDescriptor;

const GREETING = Symbol("greeting");

@Service(GreeterService)
class Greeter {
  constructor(@inject(GREETING) private readonly greeting: string) {}

  @Rpc()
  greet(request: Name): Greeting {
    return { text: `${this.greeting}, ${request.name}!` };
  }
}

async function service(): Promise<string> {
  const container = new Container();
  container.bind(GREETING).toConstantValue("Hello");
  const app = createApp({ name: "greeter", container, services: [Greeter], endpoints: { rpc: { bind: [ANY] } }, env: false });
  await app.start();
  const greeter = connect(GreeterService, { endpoints: app.endpoints.rpc });
  const reply: Greeting = await greeter.client.greet({ name: "Ada" }, { timeout: 5_000 });
  await greeter.close();
  await app.stop();
  return `service: ${reply.text}`;
}

async function main(how: string): Promise<void> {
  const lines = [await core(), codec(), await patterns(), await service()];
  for (const line of lines) console.log(`${how} ${line}`);
}

main(process.argv[2] ?? "ts").catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
