// One round trip with each package, given the packages as the caller loaded them
// (by `import` in use.mjs, by `require` in use.cjs): the work is the same, only
// the way the packages were loaded differs.
"use strict";

const ANY = "tcp://127.0.0.1:0";

/** PUSH/PULL over tcp with @skein/core. */
async function core({ Push, Pull }) {
  const pull = new Pull();
  await pull.bind(ANY);
  const push = new Push();
  push.connect(pull.lastEndpoint);
  await push.send("hello over tcp");
  const [message] = await pull.receive();
  push.close();
  pull.close();
  return `core: ${message}`;
}

/** An envelope encoded and decoded with @skein/codec. */
function codec({ encodeEnvelope, decodeEnvelope }) {
  const frames = encodeEnvelope({ kind: "request", service: "demo.Greeter", method: "Greet", correlationId: "7", payload: [Buffer.from("ada")] });
  const envelope = decodeEnvelope(frames);
  return `codec: ${envelope.kind} ${envelope.service}/${envelope.method} #${envelope.correlationId} ${envelope.payload[0]}`;
}

/** One RpcClient request served by an RpcServer of @skein/patterns. */
async function patterns({ RpcServer, RpcClient }) {
  const server = new RpcServer({ bind: [ANY] });
  await server.serve(([name]) => [Buffer.from(`hello ${name}`)]);
  const client = new RpcClient({ endpoints: server.endpoints, timeout: 5_000 });
  const [reply] = await client.request([Buffer.from("ada")]);
  await client.close();
  await server.close();
  return `patterns: ${reply}`;
}

/**
 * A call to a decorated @skein/service class with an injected dependency. Plain JavaScript has no
 * decorator syntax: the decorators are applied as TypeScript's compiled output applies them.
 */
async function service({ Service, Rpc, createApp, connect }, { TypeRegistry }, { Container, inject }) {
  const registry = new TypeRegistry().registerProto(`
    syntax = "proto3";
    package demo;
    message Name { string name = 1; }
    message Greeting { string text = 1; }
  `);
  const GreeterService = {
    name: "demo.Greeter",
    methods: {
      greet: {
        name: "Greet", requestType: "demo.Name", responseType: "demo.Greeting",
        requestCodec: registry.codec("demo.Name"), responseCodec: registry.codec("demo.Greeting"),
        clientStreaming: false, serverStreaming: false,
      },
    },
  };
  const GREETING = Symbol("greeting");
  class Greeter {
    constructor(greeting) { this.greeting = greeting; }
    greet(request) { return { text: `${this.greeting}, ${request.name}!` }; }
  }
  Rpc()(Greeter.prototype, "greet", Object.getOwnPropertyDescriptor(Greeter.prototype, "greet"));
  inject(GREETING)(Greeter, undefined, 0);
  Service(GreeterService)(Greeter);

  const container = new Container();
  container.bind(GREETING).toConstantValue("Hello");
  const app = createApp({ name: "greeter", container, services: [Greeter], endpoints: { rpc: { bind: [ANY] } }, env: false });
  await app.start();
  const greeter = connect(GreeterService, { endpoints: app.endpoints.rpc });
  const reply = await greeter.client.greet({ name: "Ada" }, { timeout: 5_000 });
  await greeter.close();
  await app.stop();
  return `service: ${reply.text}`;
}

/** Runs every round trip and prints one line each, prefixed with how the packages were loaded. */
async function exercise(how, packages) {
  const lines = [
    await core(packages.core),
    codec(packages.codec),
    await patterns(packages.patterns),
    await service(packages.service, packages.codec, packages.inversify),
  ];
  for (const line of lines) console.log(`${how} ${line}`);
}

module.exports = { exercise };
