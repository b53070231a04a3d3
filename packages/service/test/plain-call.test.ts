/**
 * A unary call with no signal, no metadata and no span to record or
 * propagate takes a short path on both sides (the method's header writer,
 * no async function, the shared no-op span). What it must keep: the
 * deadline reaches the server, metrics still count it, and a call that has
 * a signal, metadata, or an SDK registered after the client was made takes
 * the full path (cancel, metadata and spans arrive).
 */
import "reflect-metadata";
import { SpanKind, trace } from "@opentelemetry/api";
import { encodeEnvelope, decodeEnvelope } from "@skein/codec";
import { RpcServer } from "@skein/patterns";
import { Container } from "inversify";
import { afterEach, expect, test } from "vitest";
import { GreeterService } from "./generated/index.js";
import { type App, connect, createApp, RpcStatus, type ServiceCallContext, type ServiceConnection, Telemetry } from "../src/index.js";
import { deferred, GREETING, Greeter, type GreeterHooks, HOOKS, LOOPBACK, within } from "./fixtures.js";
import { otelSdk } from "./otel.js";

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The greeter served with the global (no-op unless registered) telemetry. */
async function greeterApp(hooks: GreeterHooks = {}): Promise<App> {
  const container = new Container();
  container.bind(GREETING).toConstantValue("Hi");
  container.bind(HOOKS).toConstantValue(hooks);
  const app = createApp({ name: "greeter", container, services: [Greeter], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false });
  await app.start();
  cleanups.push(() => app.stop(1_000));
  return app;
}

function greeterClient(endpoints: readonly string[], telemetry?: Telemetry): ServiceConnection<typeof GreeterService> {
  const connection = connect(GreeterService, { endpoints, ...(telemetry === undefined ? {} : { telemetry }) });
  cleanups.push(() => connection.close());
  return connection;
}

test("a plain call's deadline reaches the server: its handler is aborted with DEADLINE_EXCEEDED as the caller gets it", async () => {
  const aborted = deferred<string>();
  let seen: ServiceCallContext | undefined;
  const app = await greeterApp({
    onCall: (_request, context) => new Promise<void>((resolve) => {
      seen = context;
      context.signal.addEventListener("abort", () => {
        aborted.resolve(String((context.signal.reason as { code?: unknown }).code));
        resolve();
      });
    }),
  });
  const { client } = greeterClient(app.endpoints.rpc);
  const sent = Date.now();
  await expect(client.sayHello({ name: "slow" }, { timeout: 300 })).rejects.toMatchObject({ code: RpcStatus.DEADLINE_EXCEEDED });
  expect(await within(aborted.promise, 5_000, "the server to abort the handler at the deadline")).toBe(RpcStatus.DEADLINE_EXCEEDED);
  expect(seen!.deadline).toBeGreaterThanOrEqual(sent + 300);
  expect(seen!.deadline).toBeLessThan(sent + 300 + 5_000);
});

test("metadata makes a call take the full path: it arrives with the call", async () => {
  const metadata = deferred<Readonly<Record<string, string>>>();
  const app = await greeterApp({ onCall: (_request, context) => metadata.resolve(context.metadata) });
  const { client } = greeterClient(app.endpoints.rpc);
  await expect(client.sayHello({ name: "tenant" }, { metadata: { tenant: "acme" } })).resolves.toMatchObject({ message: "Hi, tenant!" });
  expect(await metadata.promise).toEqual({ tenant: "acme" });
});

test("a signal makes a call take the full path: aborting it cancels the handler at the server", async () => {
  const entered = deferred();
  const cancelled = deferred<string>();
  const app = await greeterApp({
    onCall: (_request, context) => new Promise<void>((resolve) => {
      context.signal.addEventListener("abort", () => {
        cancelled.resolve(String((context.signal.reason as { code?: unknown }).code));
        resolve();
      });
      entered.resolve();
    }),
  });
  const { client } = greeterClient(app.endpoints.rpc);
  const controller = new AbortController();
  const call = client.sayHello({ name: "cancel me" }, { signal: controller.signal, timeout: 30_000 });
  await entered.promise;
  controller.abort();
  await expect(call).rejects.toMatchObject({ code: RpcStatus.CANCELLED });
  expect(await within(cancelled.promise, 5_000, "the cancel to reach the server")).toBe(RpcStatus.CANCELLED);
});

test("with metrics on and no tracer, plain calls are counted: requests, errors by code, durations", async () => {
  const sdk = otelSdk();
  cleanups.push(() => sdk.shutdown());
  // A meter provider alone: the tracer stays the global no-op one, so these calls take the plain path.
  const telemetry = new Telemetry({ meterProvider: sdk.telemetry.meterProvider });
  const held = deferred();
  const app = await greeterApp({ onCall: (request) => (request.name === "slow" ? held.promise : undefined) });
  const { client } = greeterClient(app.endpoints.rpc, telemetry);
  await client.sayHello({ name: "one" });
  await expect(client.sayHello({ name: "nobody" })).rejects.toMatchObject({ code: RpcStatus.NOT_FOUND });
  await expect(client.sayHello({ name: "slow" }, { timeout: 200 })).rejects.toMatchObject({ code: RpcStatus.DEADLINE_EXCEEDED });
  held.resolve();
  await expect(client.sayHello({ name: 42 as never })).rejects.toMatchObject({ code: RpcStatus.INVALID_ARGUMENT });
  const method = { "rpc.service": "example.Greeter", "rpc.method": "SayHello" };
  expect(await sdk.sum("skein.rpc.client.requests", method)).toBe(4);
  for (const code of [RpcStatus.NOT_FOUND, RpcStatus.DEADLINE_EXCEEDED, RpcStatus.INVALID_ARGUMENT]) {
    expect(await sdk.sum("skein.rpc.client.errors", { ...method, "rpc.skein.status_code": code, "error.type": code }), code).toBe(1);
  }
  expect(await sdk.count("rpc.client.duration", method)).toBe(4);
});

test("a reply that does not decode fails a plain call INTERNAL", async () => {
  const server = new RpcServer({ bind: [LOOPBACK] });
  // field 1 as a varint that never ends: no HelloReply decodes from it
  await server.serve(([header]) => encodeEnvelope({ kind: "reply", correlationId: decodeEnvelope([header!]).correlationId!, payload: [Buffer.from([0x08, 0xff, 0xff, 0xff])] }));
  cleanups.push(() => server.close(0));
  const { client } = greeterClient(server.endpoints);
  await expect(client.sayHello({ name: "x" })).rejects.toMatchObject({ code: RpcStatus.INTERNAL });
});

test("an SDK registered after the client and server were made records both spans of the next call, one trace", async () => {
  const app = await greeterApp();
  const { client } = greeterClient(app.endpoints.rpc);
  await client.sayHello({ name: "before" });
  const sdk = otelSdk();
  cleanups.push(() => sdk.shutdown());
  trace.setGlobalTracerProvider(sdk.telemetry.tracerProvider);
  cleanups.push(() => trace.disable());
  await client.sayHello({ name: "after" });
  const [clientSpan] = sdk.spans("example.Greeter/SayHello", SpanKind.CLIENT);
  const [serverSpan] = sdk.spans("example.Greeter/SayHello", SpanKind.SERVER);
  expect(clientSpan).toBeDefined();
  expect(serverSpan).toBeDefined();
  expect(serverSpan!.spanContext().traceId).toBe(clientSpan!.spanContext().traceId);
  expect(serverSpan!.parentSpanContext?.spanId).toBe(clientSpan!.spanContext().spanId);
});
