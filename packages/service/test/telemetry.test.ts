import "reflect-metadata";
import { context, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { GreeterService, OrdersService } from "./generated/index.js";
import { Container } from "inversify";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type App, connect, Consume, createApp, Service, Subscribe, Telemetry } from "../src/index.js";
import { GREETING, Greeter, HOOKS, LOOPBACK, OrderPlacedEvent, Orders, ProcessOrderQueue, until } from "./fixtures.js";

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const metricReader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
const meterProvider = new MeterProvider({ readers: [metricReader] });
const telemetry = { tracerProvider, meterProvider };
const contextManager = new AsyncLocalStorageContextManager();
const apps: App[] = [];

@Service("example.Fulfilment")
class Fulfilment {
  readonly processed: string[] = [];
  readonly placed: string[] = [];
  @Subscribe(OrderPlacedEvent)
  onPlaced(event: { orderId: string }) {
    this.placed.push(event.orderId);
  }
  @Consume(ProcessOrderQueue)
  process(item: { orderId: string }) {
    this.processed.push(item.orderId);
  }
}

beforeAll(() => {
  // The app chooses its SDK; handlers need a context manager for the downstream call to join the trace.
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(async () => {
  for (const app of apps.reverse()) await app.stop(1_000);
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  context.disable();
});

describe("OpenTelemetry", () => {
  test("one trace spans the client call, the server, its downstream call, the event it publishes and its consumer, the work item and its processing", async () => {
    const greeterContainer = new Container();
    greeterContainer.bind(GREETING).toConstantValue("Hi");
    greeterContainer.bind(HOOKS).toConstantValue({});
    const greeter = createApp({ name: "greeter", container: greeterContainer, services: [Greeter], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false, telemetry });
    await greeter.start();
    apps.push(greeter);
    const orders = createApp({
      name: "orders", services: [Orders], env: false, telemetry,
      endpoints: {
        rpc: { bind: [LOOPBACK] },
        events: { bind: [LOOPBACK] },
        queues: { [ProcessOrderQueue.queue]: { bind: [LOOPBACK] } },
        clients: { [GreeterService.name]: greeter.endpoints.rpc },
      },
    });
    await orders.start();
    apps.push(orders);
    const worker = createApp({
      name: "fulfilment", services: [Fulfilment], env: false, telemetry,
      endpoints: {
        workers: { [ProcessOrderQueue.queue]: { connect: orders.endpoints.queues[ProcessOrderQueue.queue]! } },
        subscribe: { connect: orders.endpoints.events },
      },
    });
    await worker.start();
    apps.push(worker);
    // Pub-sub's slow joiner: whenSubscribed() resolves once the publisher applied the subscription.
    await worker.whenSubscribed(10_000);
    const connection = connect(OrdersService, { endpoints: orders.endpoints.rpc, telemetry: new Telemetry(telemetry) });
    await connection.client.placeOrder({ customerId: "trace", lines: [{ sku: "x", quantity: 1, unitPrice: 1 }] });
    await connection.close();
    const [clientSpan] = spans.getFinishedSpans().filter((span) => span.name === "example.Orders/PlaceOrder" && span.kind === SpanKind.CLIENT);
    expect(clientSpan).toBeDefined();
    const traceId = clientSpan!.spanContext().traceId;
    // Warm-up events are traces of their own: look only at the call's trace.
    const inTrace = () => spans.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    await until(() => inTrace().some((span) => span.name === "process orders.process") && inTrace().some((span) => span.name === "process orders.placed"), "the event and work spans");
    const finished = inTrace();
    const byName = (name: string, kind: SpanKind) => finished.filter((span) => span.name === name && span.kind === kind);
    const [serverSpan] = byName("example.Orders/PlaceOrder", SpanKind.SERVER);
    const [downstreamClient] = byName("example.Greeter/SayHello", SpanKind.CLIENT);
    const [downstreamServer] = byName("example.Greeter/SayHello", SpanKind.SERVER);
    const [publish] = byName("publish orders.placed", SpanKind.PRODUCER);
    const [consumed] = byName("process orders.placed", SpanKind.CONSUMER);
    const [send] = byName("send orders.process", SpanKind.PRODUCER);
    const [processSpan] = byName("process orders.process", SpanKind.CONSUMER);
    for (const span of [serverSpan, downstreamClient, downstreamServer, publish, consumed, send, processSpan]) expect(span).toBeDefined();
    expect(processSpan!.parentSpanContext?.spanId).toBe(send!.spanContext().spanId);
    expect(consumed!.parentSpanContext?.spanId).toBe(publish!.spanContext().spanId);
    expect(processSpan!.attributes).toMatchObject({ "messaging.operation.type": "process", "messaging.destination.name": "orders.process" });
    expect(serverSpan!.parentSpanContext?.spanId).toBe(clientSpan!.spanContext().spanId);
    expect(downstreamClient!.parentSpanContext?.spanId).toBe(serverSpan!.spanContext().spanId);
    expect(downstreamServer!.parentSpanContext?.spanId).toBe(downstreamClient!.spanContext().spanId);
    expect(publish!.parentSpanContext?.spanId).toBe(serverSpan!.spanContext().spanId);

    expect(serverSpan!.attributes).toMatchObject({ "rpc.system": "skein", "rpc.service": "example.Orders", "rpc.method": "PlaceOrder" });
    expect(publish!.attributes).toMatchObject({ "messaging.system": "zeromq", "messaging.destination.name": "orders.placed", "messaging.operation.type": "send" });
  });

  test("failed calls are recorded as span errors and counted; durations go to a histogram", async () => {
    const container = new Container();
    container.bind(GREETING).toConstantValue("Hi");
    container.bind(HOOKS).toConstantValue({});
    const app = createApp({ name: "metrics", container, services: [Greeter], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false, telemetry });
    await app.start();
    apps.push(app);
    const connection = connect(GreeterService, { endpoints: app.endpoints.rpc, telemetry: new Telemetry(telemetry) });
    await connection.client.sayHello({ name: "ok" });
    await expect(connection.client.sayHello({ name: "nobody" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await connection.close();

    const failed = spans.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER && span.name === "example.Greeter/SayHello" && span.status.code === SpanStatusCode.ERROR);
    expect(failed?.attributes["error.type"]).toBe("NOT_FOUND");

    const { resourceMetrics } = await metricReader.collect();
    const metrics = new Map(resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).map((metric) => [metric.descriptor.name, metric]));
    const sum = (name: string, filter: (attributes: Record<string, unknown>) => boolean) =>
      (metrics.get(name)?.dataPoints ?? []).filter((point) => filter(point.attributes)).reduce((total, point) => total + (point.value as number), 0);
    const greeterCalls = (attributes: Record<string, unknown>) => attributes["rpc.service"] === "example.Greeter" && attributes["rpc.method"] === "SayHello";
    expect(sum("skein.rpc.server.requests", greeterCalls)).toBeGreaterThanOrEqual(2);
    expect(sum("skein.rpc.server.errors", (a) => greeterCalls(a) && a["rpc.skein.status_code"] === "NOT_FOUND")).toBe(1);
    expect(metrics.get("rpc.server.duration")?.dataPoints.length).toBeGreaterThan(0);
    expect(metrics.get("rpc.client.duration")?.dataPoints.length).toBeGreaterThan(0);
    expect(metrics.has("skein.queue.depth")).toBe(true);
  });
});
