/**
 * What a caller's OpenTelemetry SDK sees of a failed call: the CLIENT span's
 * status and `error.type`, and `skein.rpc.client.errors`, for every way a
 * call can fail; and `network.transport` of both spans on each transport.
 */
import "reflect-metadata";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { decodeEnvelope, encodeEnvelope } from "@skein/codec";
import { GreeterService } from "./generated/index.js";
import { RpcServer } from "@skein/patterns";
import { Container } from "inversify";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { bindAddress, freeAddress, TRANSPORTS } from "../../core/test/helpers.js";
import { type App, connect, createApp, RpcError, RpcStatus, type ServiceConnection, Telemetry } from "../src/index.js";
import { networkAttributes } from "../src/telemetry.js";
import { deferred, GREETING, Greeter, type GreeterHooks, HOOKS, LOOPBACK, until, within } from "./fixtures.js";
import { otelSdk, type OtelSdk } from "./otel.js";

const SAY_HELLO = "example.Greeter/SayHello";
const SAY_HELLO_STREAM = "example.Greeter/SayHelloStream";
/** Bytes no HelloReply decodes from: field 1 as a varint that never ends. */
const GARBAGE = Buffer.from([0x08, 0xff, 0xff, 0xff]);

let sdk: OtelSdk;
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(() => {
  sdk = otelSdk();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await sdk.shutdown();
});

async function greeterApp(hooks: GreeterHooks = {}, bind = LOOPBACK): Promise<App> {
  const container = new Container();
  container.bind(GREETING).toConstantValue("Hi");
  container.bind(HOOKS).toConstantValue(hooks);
  const app = createApp({ name: "greeter", container, services: [Greeter], endpoints: { rpc: { bind: [bind] } }, env: false, telemetry: sdk.telemetry });
  await app.start();
  cleanups.push(() => app.stop(1_000));
  return app;
}

function greeterClient(endpoints: readonly string[]): ServiceConnection<typeof GreeterService> {
  const connection = connect(GreeterService, { endpoints, telemetry: new Telemetry(sdk.telemetry) });
  cleanups.push(() => connection.close());
  return connection;
}

/** A server that answers every call with `reply(correlationId, ctx)`'s frames: for replies no skein server sends. */
async function rawServer(reply: (correlationId: string, sendPartial: (frames: Buffer[]) => Promise<void>) => Promise<Buffer[]>): Promise<string[]> {
  const server = new RpcServer({ bind: [LOOPBACK] });
  await server.serve((frames, ctx) => reply(decodeEnvelope(frames).correlationId!, (partial) => ctx.sendPartial(partial)));
  cleanups.push(() => server.close(0));
  return server.endpoints;
}

/** The call rejects with `code`; its CLIENT span is the one error span, with `error.type`; one error counted. */
async function expectFailedCall(call: Promise<unknown>, code: string, name = SAY_HELLO): Promise<void> {
  await expect(call).rejects.toMatchObject({ code });
  const failed = sdk.spans(name, SpanKind.CLIENT).filter((span) => span.status.code === SpanStatusCode.ERROR);
  expect(failed).toHaveLength(1);
  expect(failed[0]!.attributes).toMatchObject({ "error.type": code, "rpc.skein.status_code": code });
  expect(failed[0]!.events.map((event) => event.name)).toContain("exception");
  const method = name.slice(name.indexOf("/") + 1);
  expect(await sdk.sum("skein.rpc.client.errors", { "rpc.service": "example.Greeter", "rpc.method": method, "error.type": code, "rpc.skein.status_code": code })).toBe(1);
}

async function drain(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe("client span and error metric of a failed call", () => {
  test("an error reply from the server fails the client span (a successful call's span stays unset)", async () => {
    const app = await greeterApp();
    const { client } = greeterClient(app.endpoints.rpc);
    await client.sayHello({ name: "ok" });
    const [ok] = sdk.spans(SAY_HELLO, SpanKind.CLIENT);
    expect(ok?.status.code).toBe(SpanStatusCode.UNSET);
    expect(ok?.attributes["error.type"]).toBeUndefined();
    await expectFailedCall(client.sayHello({ name: "nobody" }), RpcStatus.NOT_FOUND);
  });

  test("an error ending a server stream fails the client span after the items before it", async () => {
    const app = await greeterApp({
      beforeStreamItem: (index) => {
        if (index === 1) throw new RpcError(RpcStatus.RESOURCE_EXHAUSTED, "no more greetings");
      },
    });
    const { client } = greeterClient(app.endpoints.rpc);
    const items: unknown[] = [];
    const call = (async () => {
      for await (const item of client.sayHelloStream({ name: "s", times: 3 })) items.push(item);
    })();
    await expectFailedCall(call, RpcStatus.RESOURCE_EXHAUSTED, SAY_HELLO_STREAM);
    expect(items).toHaveLength(1);
  });

  test("a call with no reply before its deadline: DEADLINE_EXCEEDED", async () => {
    const held = deferred();
    const app = await greeterApp({ onCall: () => held.promise });
    const { client } = greeterClient(app.endpoints.rpc);
    await expectFailedCall(client.sayHello({ name: "slow" }, { timeout: 300 }), RpcStatus.DEADLINE_EXCEEDED);
    held.resolve();
  });

  test("a call the caller aborts: CANCELLED", async () => {
    const entered = deferred();
    const held = deferred();
    const app = await greeterApp({ onCall: () => (entered.resolve(), held.promise) });
    const { client } = greeterClient(app.endpoints.rpc);
    const controller = new AbortController();
    const call = client.sayHello({ name: "cancel me" }, { signal: controller.signal });
    await entered.promise;
    controller.abort();
    await expectFailedCall(call, RpcStatus.CANCELLED);
    held.resolve();
  });

  test("a call to an address where no server listens: UNAVAILABLE at its deadline, not DEADLINE_EXCEEDED", async () => {
    const { client } = greeterClient([await freeAddress("tcp")]);
    await expectFailedCall(client.sayHello({ name: "anyone?" }, { timeout: 300 }), RpcStatus.UNAVAILABLE);
  });

  test("with waitForReady: false a call fails UNAVAILABLE once the connect attempt fails, long before its deadline", async () => {
    const { client } = greeterClient([await freeAddress("tcp")]);
    await expectFailedCall(within(client.sayHello({ name: "now" }, { timeout: 60_000, waitForReady: false }), 5_000, "the fail-fast call"), RpcStatus.UNAVAILABLE);
  });

  test("a call to a server that stopped: UNAVAILABLE, as the README says", async () => {
    const app = await greeterApp();
    const connection = greeterClient(app.endpoints.rpc);
    await connection.client.sayHello({ name: "before" });
    expect(connection.connected).toBe(true);
    await app.stop(1_000);
    await until(() => !connection.connected, "the client to see the disconnect");
    await expectFailedCall(connection.client.sayHello({ name: "after" }, { timeout: 300 }), RpcStatus.UNAVAILABLE);
  });

  test("a call reaching a server that is stopping is refused: UNAVAILABLE", async () => {
    const entered = deferred();
    const held = deferred();
    const app = await greeterApp({ onCall: (request) => (request.name === "hold" ? (entered.resolve(), held.promise) : undefined) });
    const { client } = greeterClient(app.endpoints.rpc);
    const holding = client.sayHello({ name: "hold" });
    await entered.promise;
    const stopping = app.stop(5_000);
    await expectFailedCall(client.sayHello({ name: "late" }), RpcStatus.UNAVAILABLE);
    held.resolve();
    await expect(holding).resolves.toMatchObject({ message: "Hi, hold!" });
    await stopping;
  });

  test("a request that does not encode: INVALID_ARGUMENT, and nothing is sent", async () => {
    const { client } = greeterClient([await freeAddress("tcp")]);
    await expectFailedCall(client.sayHello({ name: 42 as never }), RpcStatus.INVALID_ARGUMENT);
  });

  test("a reply that does not decode: INTERNAL (the server's fault, not the caller's)", async () => {
    const endpoints = await rawServer(async (correlationId) => encodeEnvelope({ kind: "reply", correlationId, payload: [GARBAGE] }));
    const { client } = greeterClient(endpoints);
    await expectFailedCall(client.sayHello({ name: "x" }), RpcStatus.INTERNAL);
  });

  test("a stream item that does not decode: INTERNAL", async () => {
    const endpoints = await rawServer(async (correlationId, sendPartial) => {
      await sendPartial(encodeEnvelope({ kind: "stream-item", correlationId, payload: [GARBAGE] }));
      return encodeEnvelope({ kind: "stream-end", correlationId, payload: [] });
    });
    const { client } = greeterClient(endpoints);
    await expectFailedCall(drain(client.sayHelloStream({ name: "x" })), RpcStatus.INTERNAL, SAY_HELLO_STREAM);
  });
});

describe("network.transport", () => {
  const expected = {
    tcp: { "network.transport": "tcp" },
    ipc: { "network.transport": "unix" },
    inproc: { "network.transport": "inproc" },
    ws: { "network.transport": "tcp", "network.protocol.name": "websocket" },
  } as const;

  for (const transport of TRANSPORTS) {
    test(`client and server spans of a call over ${transport} carry ${JSON.stringify(expected[transport])}`, async () => {
      const app = await greeterApp({}, bindAddress(transport));
      const { client } = greeterClient(app.endpoints.rpc);
      await client.sayHello({ name: transport });
      const [clientSpan] = sdk.spans(SAY_HELLO, SpanKind.CLIENT);
      const [serverSpan] = sdk.spans(SAY_HELLO, SpanKind.SERVER);
      for (const span of [clientSpan, serverSpan]) {
        expect(span?.attributes).toMatchObject(expected[transport]);
        if (transport !== "ws") expect(span?.attributes["network.protocol.name"]).toBeUndefined();
      }
    });
  }

  test("endpoints of mixed transports give no network.transport (which one carries a call is not known)", () => {
    expect(networkAttributes(["tcp://127.0.0.1:5555", "ipc:///tmp/x"])).toEqual({});
    expect(networkAttributes(["tcp://a:1", "tcp://b:2"])).toEqual({ "network.transport": "tcp" });
    expect(networkAttributes([])).toEqual({});
  });
});
