import "reflect-metadata";
import { OrderPlaced, OrdersService, ProcessOrder } from "@skein/example-codegen";
import { Container } from "inversify";
import { afterEach, describe, expect, test } from "vitest";
import { type App, connect, Consume, createApp, type EventPublisher, PUBLISHER, Service, type ServiceCallContext, Subscribe } from "../src/index.js";
import { GREETING, Greeter, HOOKS, LOOPBACK, Orders, OrderPlacedEvent, ProcessOrderQueue, until } from "./fixtures.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** What the downstream app saw. */
const seen = { events: [] as OrderPlaced[], eventContexts: [] as ServiceCallContext[], processed: [] as ProcessOrder[], attempts: new Map<string, number>() };

@Service("example.OrderWorker")
class OrderWorker {
  @Subscribe(OrderPlacedEvent)
  onPlaced(event: OrderPlaced, context: ServiceCallContext) {
    seen.events.push(event);
    seen.eventContexts.push(context);
  }

  @Consume(ProcessOrderQueue, { concurrency: 2 })
  async process(item: ProcessOrder) {
    const attempt = (seen.attempts.get(item.orderId) ?? 0) + 1;
    seen.attempts.set(item.orderId, attempt);
    // The first delivery of every order fails: it must come back (at-least-once).
    if (attempt === 1) throw new Error(`transient failure processing ${item.orderId}`);
    seen.processed.push(item);
  }
}

async function started(app: App): Promise<App> {
  await app.start();
  cleanup.push(() => app.stop(2_000));
  return app;
}

async function startSystem(): Promise<{ orders: App; worker: App }> {
  const greeterContainer = new Container();
  greeterContainer.bind(GREETING).toConstantValue("Thanks");
  greeterContainer.bind(HOOKS).toConstantValue({});
  const greeter = await started(createApp({ name: "greeter", container: greeterContainer, services: [Greeter], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false }));
  const orders = await started(createApp({
    name: "orders",
    services: [Orders],
    env: false,
    endpoints: {
      rpc: { bind: [LOOPBACK] },
      events: { bind: [LOOPBACK] },
      queues: { [ProcessOrderQueue.queue]: { bind: [LOOPBACK] } },
      clients: { "example.Greeter": greeter.endpoints.rpc },
    },
  }));
  const worker = await started(createApp({
    name: "worker",
    services: [OrderWorker],
    env: false,
    onError: () => {},
    endpoints: {
      subscribe: { connect: orders.endpoints.events },
      workers: { [ProcessOrderQueue.queue]: { connect: orders.endpoints.queues[ProcessOrderQueue.queue]! } },
    },
  }));
  // Pub-sub's slow joiner: publish until the subscriber's subscription has reached the publisher.
  const publisher = orders.container.get<EventPublisher>(PUBLISHER);
  while (seen.events.length === 0) {
    await publisher.publish(OrderPlacedEvent, { orderId: "warm-up" });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { orders, worker };
}

describe("events and work queues", () => {
  test("a placed order publishes a typed event to @Subscribe and a work item to @Consume, redelivered after a failure", async () => {
    const { orders } = await startSystem();
    const placing = connect(OrdersService, { endpoints: orders.endpoints.rpc });
    cleanup.push(() => placing.close());
    const reply = await placing.client.placeOrder(
      { customerId: "ada", currency: "EUR", lines: [{ sku: "tea", quantity: 2, unitPrice: 350 }] },
      { metadata: { channel: "test" } },
    );
    expect(reply.orderId).toBe("o-1");
    expect(Number(reply.total)).toBe(700);

    await until(() => seen.events.some((event) => event.orderId === "o-1"));
    const event = seen.events.find((candidate) => candidate.orderId === "o-1")!;
    expect(event).toMatchObject({ customerId: "ada", currency: "EUR" });
    expect(Number(event.total)).toBe(700);
    const context = seen.eventContexts[seen.events.indexOf(event)]!;
    expect(context).toMatchObject({ kind: "event", service: "example.OrderWorker", method: "orders.placed" });

    await until(() => seen.processed.some((item) => item.orderId === "o-1"));
    expect(seen.attempts.get("o-1")).toBe(2);
    expect(seen.processed.find((item) => item.orderId === "o-1")?.lines[0]).toMatchObject({ sku: "tea", quantity: 2 });
    // The downstream call went to the greeter.
    expect(orders.container.get(Orders).confirmations).toEqual(["Thanks, ada!"]);
  });
});
