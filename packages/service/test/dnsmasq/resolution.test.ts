/**
 * An app's clients and subscribers on `tcp+dns://` names, configured from
 * the environment as a container is (`SKEIN_CLIENT_*`,
 * `SKEIN_SUBSCRIBE_CONNECT`, `SKEIN_DNS_SERVERS`), against a real dnsmasq
 * whose answers change. Run by .ci/suites/dns.sh, not by `pnpm test`.
 */
import "reflect-metadata";
import { Container } from "inversify";
import { afterEach, describe, expect, test } from "vitest";
import { Dnsmasq, portFreeOn } from "../../../patterns/test/dnsmasq/dnsmasq-server.js";
import { type App, type AppOptions, connect, createApp, type EventPublisher, PUBLISHER, Service, Subscribe } from "../../src/index.js";
import { GREETING, Greeter, HOOKS, OrderPlacedEvent, until, within } from "../fixtures.js";
import { GreeterService, type OrderPlaced } from "../generated/index.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function dnsmasq(hosts: string[]): Promise<Dnsmasq> {
  const dns = await Dnsmasq.start(hosts);
  cleanup.push(() => dns.stop());
  return dns;
}

async function startApp(options: AppOptions): Promise<App> {
  const app = createApp({ env: false, onError: () => {}, ...options });
  await app.start();
  cleanup.push(() => app.stop(1_000));
  return app;
}

/** A greeter app on `host`, greeting with its own host. */
async function greeterOn(host: string, port: number): Promise<App> {
  const container = new Container();
  container.bind(GREETING).toConstantValue(host);
  container.bind(HOOKS).toConstantValue({});
  return startApp({ name: `greeter ${host}`, container, services: [Greeter], endpoints: { rpc: { bind: [`tcp://${host}:${port}`] } } });
}

const seen: OrderPlaced[] = [];

@Service("test.Audit")
class Audit {
  @Subscribe(OrderPlacedEvent)
  onPlaced(event: OrderPlaced): void {
    seen.push(event);
  }
}

describe("an app's endpoints on DNS names", () => {
  test("a client named by tcp+dns:// calls every greeter instance, and one added to DNS", async () => {
    const port = await portFreeOn(["127.0.0.2", "127.0.0.3", "127.0.0.4"]);
    await greeterOn("127.0.0.2", port);
    await greeterOn("127.0.0.3", port);
    await greeterOn("127.0.0.4", port);
    const dns = await dnsmasq(["127.0.0.2 greeter.test", "127.0.0.3 greeter.test"]);
    const greeter = connect(GreeterService, { endpoints: [`tcp+dns://greeter.test:${port}`], resolve: { servers: [dns.server], refreshInterval: 100 } });
    cleanup.push(() => greeter.close());
    await until(() => greeter.endpoints.length === 2, "both instances");
    const greetings = new Set<string>();
    for (let i = 0; i < 6; i++) greetings.add((await greeter.client.sayHello({ name: "Ada" })).message);
    expect([...greetings].sort()).toEqual(["127.0.0.2, Ada!", "127.0.0.3, Ada!"]);

    await dns.setHosts(["127.0.0.2 greeter.test", "127.0.0.3 greeter.test", "127.0.0.4 greeter.test"]);
    await until(() => greeter.endpoints.length === 3, "the added instance");
    await within((async () => {
      while ((await greeter.client.sayHello({ name: "Ada" })).message !== "127.0.0.4, Ada!");
    })(), 10_000, "a call answered by the added instance");
  });

  test("an app configured from the environment subscribes to every publisher instance of SKEIN_SUBSCRIBE_CONNECT", async () => {
    seen.length = 0;
    const publishers: App[] = [];
    const port = await portFreeOn(["127.0.0.2", "127.0.0.3"]);
    for (const host of ["127.0.0.2", "127.0.0.3"]) {
      const app = await startApp({ name: `orders ${host}`, services: [], endpoints: { events: { bind: [`tcp://${host}:${port}`] } } });
      publishers.push(app);
    }
    const dns = await dnsmasq(["127.0.0.2 orders.test", "127.0.0.3 orders.test"]);
    const audit = await startApp({
      name: "audit",
      services: [Audit],
      env: { SKEIN_SUBSCRIBE_CONNECT: `tcp+dns://orders.test:${port}`, SKEIN_DNS_SERVERS: dns.server, SKEIN_DNS_REFRESH_INTERVAL: "100" },
    });
    await audit.whenSubscribed(10_000);
    for (const [i, app] of publishers.entries()) {
      await app.container.get<EventPublisher>(PUBLISHER).publish(OrderPlacedEvent, { orderId: `from ${i}` });
    }
    await until(() => seen.length === 2, "an event of each publisher instance");
    expect(seen.map((event) => event.orderId).sort()).toEqual(["from 0", "from 1"]);
  });
});
