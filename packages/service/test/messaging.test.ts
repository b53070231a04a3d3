import "reflect-metadata";
import { OrderPlaced, OrdersService, ProcessOrder } from "./generated/index.js";
import { Container } from "inversify";
import { afterEach, describe, expect, test } from "vitest";
import { type App, connect, Consume, createApp, defineQueue, type EventPublisher, PUBLISHER, Service, type ServiceCallContext, Subscribe } from "../src/index.js";
import { deferred, eventLoopTurns, GREETING, Greeter, HOOKS, LOOPBACK, Orders, OrderPlacedEvent, ProcessOrderQueue, until } from "./fixtures.js";
import { InjectQueue, type QueueProducer, Rpc } from "../src/index.js";
import { GreeterService, type HelloRequest } from "./generated/index.js";

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
  // Pub-sub's slow joiner: whenSubscribed() resolves once the publisher applied the subscriptions.
  await worker.whenSubscribed(10_000);
  return { orders, worker };
}

describe("events and work queues", () => {
  test("whenSubscribed() resolves once the publisher applied the subscriptions: an event published right after it is handled", async () => {
    const { orders } = await startSystem();
    const publisher = orders.container.get<EventPublisher>(PUBLISHER);
    const from = seen.events.length;
    // No wait of any kind between the two.
    await publisher.publish(OrderPlacedEvent, { orderId: "first" });
    await until(() => seen.events.some((event) => event.orderId === "first"), "the first event to be handled");
    expect(seen.events.slice(from).map((event) => event.orderId)).toEqual(["first"]);
  });

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

const SlowQueue = defineQueue("slow.work", ProcessOrder);
const slow = { entered: deferred(), release: deferred(), finished: [] as string[], deliveries: 0 };

@Service("example.SlowWorker")
class SlowWorker {
  @Consume(SlowQueue)
  async work(item: ProcessOrder) {
    slow.deliveries++;
    slow.entered.resolve();
    await slow.release.promise;
    slow.finished.push(item.orderId);
  }
}

@Service(GreeterService)
class Producer {
  constructor(@InjectQueue(SlowQueue) private readonly queue: QueueProducer<ProcessOrder>) {}
  @Rpc() async sayHello(request: HelloRequest) {
    await this.queue.push({ orderId: request.name });
    return { message: "queued" };
  }
}

describe("graceful stop of a worker", () => {
  test("a work item being processed when stop() is called is finished and acknowledged: not lost, not redelivered", async () => {
    const producer = await started(createApp({ name: "producer", services: [Producer], env: false, endpoints: { rpc: { bind: [LOOPBACK] }, queues: { [SlowQueue.queue]: { bind: [LOOPBACK] } } } }));
    const worker = createApp({ name: "slow-worker", services: [SlowWorker], env: false, endpoints: { workers: { [SlowQueue.queue]: { connect: producer.endpoints.queues[SlowQueue.queue]! } } } });
    await worker.start();
    const caller = connect(GreeterService, { endpoints: producer.endpoints.rpc });
    cleanup.push(() => caller.close());
    await caller.client.sayHello({ name: "item-1" });
    await slow.entered.promise;
    const stopping = worker.stop(10_000);
    expect(worker.state).toBe("stopping");
    // A stop() that did not wait for the item would be done by now.
    await eventLoopTurns();
    expect(worker.state).toBe("stopping");
    slow.release.resolve();
    await stopping;
    expect(slow.finished).toEqual(["item-1"]);
    // Had the acknowledgement been lost, the queue would hand item-1 to the next worker before item-2.
    const next = await started(createApp({ name: "next-worker", services: [SlowWorker], env: false, endpoints: { workers: { [SlowQueue.queue]: { connect: producer.endpoints.queues[SlowQueue.queue]! } } } }));
    await caller.client.sayHello({ name: "item-2" });
    await until(() => slow.finished.length === 2);
    expect(slow.finished).toEqual(["item-1", "item-2"]);
    expect(slow.deliveries).toBe(2);
    expect(next.state).toBe("running");
  });
});
