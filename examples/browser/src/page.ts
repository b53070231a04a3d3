/**
 * The example page: the microservices template (examples/microservices)
 * from a browser, over ws:// straight to its services, with no gateway.
 * It calls the greeter (unary and streaming), places orders with the order
 * service, and shows the `orders.placed` and `orders.processed` events as
 * they arrive, through the same generated clients and `@Subscribe` handlers
 * a Node process uses. serve.mjs bundles this file for the browser.
 */
import "reflect-metadata";
import { GreeterService, OrderPlaced, OrdersService, ProcessOrder } from "@skein/example-codegen";
import { connect, createApp, defineEvent, Service, Subscribe } from "@skein/service";

/** The template's events (examples/microservices/src/contracts.ts). */
const OrderPlacedEvent = defineEvent("orders.placed", OrderPlaced);
const OrderProcessedEvent = defineEvent("orders.processed", ProcessOrder);

/** Where serve.mjs started the template's services (served as /endpoints.json). */
interface Endpoints {
  greeterRpc: string;
  ordersRpc: string;
  ordersEvents: string;
  workerEvents: string;
}

const $ = (id: string): HTMLElement => document.getElementById(id)!;

function log(id: string, line: string): void {
  const item = document.createElement("li");
  item.textContent = line;
  $(id).append(item);
}

/** Shows the template's events as they come. */
@Service("example.BrowserEvents")
class EventLog {
  @Subscribe(OrderPlacedEvent)
  onPlaced(event: OrderPlaced): void {
    log("events", `orders.placed ${event.orderId} for ${event.customerId}: ${Number(event.total)} ${event.currency}`);
  }

  @Subscribe(OrderProcessedEvent)
  onProcessed(event: ProcessOrder): void {
    log("events", `orders.processed ${event.orderId} (attempt ${event.attempt})`);
  }
}

async function main(): Promise<void> {
  const endpoints = (await (await fetch("/endpoints.json")).json()) as Endpoints;
  const events = createApp({
    name: "browser",
    services: [EventLog],
    env: false,
    endpoints: { subscribe: { connect: [endpoints.ordersEvents, endpoints.workerEvents] } },
  });
  await events.start();
  await events.whenSubscribed(10_000);
  const greeter = connect(GreeterService, { endpoints: [endpoints.greeterRpc], timeout: 5_000 });
  const orders = connect(OrdersService, { endpoints: [endpoints.ordersRpc], timeout: 5_000 });

  $("hello").addEventListener("click", () => {
    const name = ($("name") as HTMLInputElement).value;
    void (async () => {
      try {
        const reply = await greeter.client.sayHello({ name });
        log("replies", `SayHello -> ${reply.message}`);
        for await (const item of greeter.client.sayHelloStream({ name, times: 3 })) log("replies", `SayHelloStream -> ${item.message}`);
      } catch (error) {
        log("replies", `SayHello failed: ${(error as { code?: string }).code ?? ""} ${(error as Error).message}`);
      }
    })();
  });
  $("order").addEventListener("click", () => {
    void (async () => {
      try {
        const placed = await orders.client.placeOrder({ customerId: "browser", currency: "EUR", lines: [{ sku: "tea", quantity: 2, unitPrice: 350 }] });
        log("replies", `PlaceOrder -> ${placed.orderId}, total ${Number(placed.total)} cents`);
      } catch (error) {
        log("replies", `PlaceOrder failed: ${(error as Error).message}`);
      }
    })();
  });
  $("status").textContent = "connected";
}

main().catch((error: unknown) => {
  $("status").textContent = `failed: ${String(error)}`;
});
