/**
 * The template's client: calls the greeter (unary and streaming) and the
 * order service, listens for the OrderPlaced and OrderProcessed events, and
 * reads customer accounts (virtual actors) the order service updated.
 * `node dist/client.js` against running services, or run by start.js.
 */
import "reflect-metadata";
import { GreeterService, type OrderPlaced, OrdersService, type ProcessOrder } from "@skein/example-codegen";
import { ActorSystem, connect, createApp, HealthService, type Member, MemoryStorage, Service, type ServiceCallContext, Subscribe } from "@skein/service";
import { pathToFileURL } from "node:url";
import { actorMembers, DEFAULTS, OrderPlacedEvent, OrderProcessedEvent } from "./contracts.js";
import { CustomerAccount } from "./customer-account.js";

/** Where the client finds the services. */
export interface ClientEndpoints {
  greeterRpc: string;
  ordersRpc: string;
  ordersEvents: string;
  workerEvents: string;
  /** The account actors' members (to read an account directly). */
  actorMembers: Member[];
}

/** Collects the events the client subscribes to. */
@Service("example.DemoClient")
class EventLog {
  readonly placed: { event: OrderPlaced; note: string | undefined }[] = [];
  readonly processed: ProcessOrder[] = [];
  #waiters: (() => void)[] = [];

  @Subscribe(OrderPlacedEvent)
  onPlaced(event: OrderPlaced, context: ServiceCallContext) {
    this.placed.push({ event, note: context.metadata["note"] });
    this.#wake();
  }

  @Subscribe(OrderProcessedEvent)
  onProcessed(event: ProcessOrder) {
    this.processed.push(event);
    this.#wake();
  }

  /** Resolves once `predicate` holds, or rejects after `timeout` ms. */
  waitFor(what: string, predicate: () => boolean, timeout: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((waiter) => waiter !== check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== check);
        reject(new Error(`no ${what} within ${timeout} ms`));
      }, timeout);
      this.#waiters.push(check);
      check();
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Runs the demo calls and prints what comes back; rejects if anything is missing. */
export async function runClient(endpoints: ClientEndpoints): Promise<void> {
  const log = (line: string): void => console.log(`[client] ${line}`);
  const listener = createApp({
    name: "client",
    services: [EventLog],
    env: false,
    endpoints: { subscribe: { connect: [endpoints.ordersEvents, endpoints.workerEvents] } },
  });
  const greeter = connect(GreeterService, { endpoints: [endpoints.greeterRpc], timeout: 3_000 });
  const orders = connect(OrdersService, { endpoints: [endpoints.ordersRpc], timeout: 5_000 });
  const greeterHealth = connect(HealthService, { endpoints: [endpoints.greeterRpc] });
  const ordersHealth = connect(HealthService, { endpoints: [endpoints.ordersRpc] });
  const actors = new ActorSystem({ members: endpoints.actorMembers, storage: new MemoryStorage(), callTimeout: 5_000 });
  try {
    await actors.start();
    await listener.start();
    const events = listener.container.get(EventLog);
    // PUB/SUB's "slow joiner" (zguide ch. 1): events published before the subscriptions
    // reach the publishers are not received, so wait until both publishers have applied them.
    await listener.whenSubscribed(10_000);

    const hello = await greeter.client.sayHello({ name: "Ada" });
    log(`SayHello -> "${hello.message}"`);
    const stream: string[] = [];
    for await (const reply of greeter.client.sayHelloStream({ name: "Grace", times: 3 })) stream.push(reply.message);
    log(`SayHelloStream -> ${stream.map((message) => `"${message}"`).join(", ")}`);
    const invalid = await greeter.client.sayHello({ name: "" }).catch((error: { code?: string; message?: string }) => error);
    log(`SayHello with no name -> error ${(invalid as { code?: string }).code}: ${(invalid as { message?: string }).message}`);

    const placed = await orders.client.placeOrder({
      customerId: "ada",
      currency: "EUR",
      lines: [{ sku: "tea", quantity: 2, unitPrice: 350 }, { sku: "scone", quantity: 3, unitPrice: 150 }],
    });
    log(`PlaceOrder -> ${placed.orderId}, total ${Number(placed.total)} cents, status ${placed.status === 1 ? "PLACED" : placed.status}`);

    await events.waitFor("OrderPlaced event", () => events.placed.some(({ event }) => event.orderId === placed.orderId), 10_000);
    const { event, note } = events.placed.find(({ event }) => event.orderId === placed.orderId)!;
    log(`event orders.placed -> ${event.orderId} for ${event.customerId}, ${Number(event.total)} ${event.currency} (note: "${note}")`);
    await events.waitFor("OrderProcessed event", () => events.processed.some((item) => item.orderId === placed.orderId), 10_000);
    const processed = events.processed.find((item) => item.orderId === placed.orderId)!;
    log(`event orders.processed -> ${processed.orderId} processed by a worker (${processed.lines.length} lines, attempt ${processed.attempt})`);

    const ada = await actors.ref(CustomerAccount, "ada").summary();
    log(`account ada -> ${ada.orders} order(s), ${ada.spentCents} cents (actor CustomerAccount/ada on ${ada.member})`);
    // Twenty orders of one customer at once: the account actor takes them one turn at a time.
    await Promise.all(Array.from({ length: 20 }, () => orders.client.placeOrder({
      customerId: "grace", currency: "EUR", lines: [{ sku: "scone", quantity: 1, unitPrice: 150 }],
    })));
    const grace = await actors.ref(CustomerAccount, "grace").summary();
    log(`account grace -> ${grace.orders} order(s), ${grace.spentCents} cents after 20 concurrent PlaceOrder calls (actor on ${grace.member})`);

    for (const [name, health] of [["greeter", greeterHealth], ["orders", ordersHealth]] as const) {
      const ping = await health.client.ping({});
      const description = await health.client.describe({});
      const services = description.services.map((service) => `${service.name}(${service.methods.map((method) => method.name).join(",")})`);
      log(`health ${name} -> ${ping.status}, serves ${services.join(" ")}`);
    }
  } finally {
    await Promise.all([greeter.close(), orders.close(), greeterHealth.close(), ordersHealth.close(), actors.close()]);
    await listener.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  runClient({
    greeterRpc: process.env["SKEIN_CLIENT_EXAMPLE_GREETER"] ?? DEFAULTS.greeterRpc,
    ordersRpc: process.env["SKEIN_CLIENT_EXAMPLE_ORDERS"] ?? DEFAULTS.ordersRpc,
    ordersEvents: process.env["ORDERS_EVENTS"] ?? DEFAULTS.ordersEvents,
    workerEvents: process.env["WORKER_EVENTS"] ?? DEFAULTS.workerEvents,
    actorMembers: actorMembers(),
  }).then(
    () => console.log("[client] done"),
    (error: unknown) => {
      console.error("[client] failed:", error);
      process.exitCode = 1;
    },
  );
}
