import "reflect-metadata";
import { GreeterService, type HelloRequest } from "./generated/index.js";
import { Container } from "inversify";
import { afterEach, describe, expect, test } from "vitest";
import {
  type App,
  connect,
  createApp,
  HealthService,
  RpcError,
  RpcStatus,
  type ServiceCallContext,
  type ServiceConnection,
  ServiceSetupError,
  type AppOptions,
  Rpc,
  Service,
} from "../src/index.js";
import { deferred, GREETING, Greeter, type GreeterHooks, HOOKS, LOOPBACK, Orders, until, within } from "./fixtures.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startGreeter(hooks: GreeterHooks = {}, options: Partial<AppOptions> = {}, greeting = "Hello"): Promise<App> {
  const container = new Container();
  container.bind(GREETING).toConstantValue(greeting);
  container.bind(HOOKS).toConstantValue(hooks);
  const app = createApp({ name: "greeter", container, services: [Greeter], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false,
    // EHOSTUNREACH when a test's client left before a late reply: expected here.
    onError: () => {}, ...options });
  await app.start();
  cleanup.push(() => app.stop(1_000));
  return app;
}

function client<D extends typeof GreeterService | typeof HealthService>(descriptor: D, endpoints: string[], options: { timeout?: number; methods?: Record<string, { idempotent?: boolean; retries?: number }> } = {}): ServiceConnection<D> {
  const connection = connect(descriptor, { endpoints, ...options });
  cleanup.push(() => connection.close());
  return connection;
}

describe("an app over tcp", () => {
  test("serves typed calls to a resolved service with its injected dependencies", async () => {
    const app = await startGreeter({}, {}, "Bonjour");
    const { client: greeter } = client(GreeterService, app.endpoints.rpc);
    const reply = await greeter.sayHello({ name: "Ada" });
    expect(reply.message).toBe("Bonjour, Ada!");
  });

  test("many concurrent calls on one connection each get their own reply", async () => {
    const app = await startGreeter();
    const { client: greeter } = client(GreeterService, app.endpoints.rpc);
    const names = Array.from({ length: 50 }, (_, i) => `n${i}`);
    const replies = await Promise.all(names.map((name) => greeter.sayHello({ name })));
    expect(replies.map((reply) => reply.message)).toEqual(names.map((name) => `Hello, ${name}!`));
  });

  test("a server-streaming call yields every reply in order", async () => {
    const app = await startGreeter();
    const { client: greeter } = client(GreeterService, app.endpoints.rpc);
    const items = [];
    for await (const item of greeter.sayHelloStream({ name: "Bo", times: 4 })) items.push(item);
    expect(items.map((item) => item.index)).toEqual([0, 1, 2, 3]);
    expect(items[3]!.message).toBe("Hello #3, Bo");
  });

  test("a server stream's items reach the caller while the handler is still producing", async () => {
    // The handler yields item 1 only after the caller has seen item 0: a stream
    // delivered as one reply at the end could never finish.
    const firstSeen = deferred<void>();
    const app = await startGreeter({ beforeStreamItem: (index) => (index === 1 ? firstSeen.promise : undefined) });
    const { client: greeter } = client(GreeterService, app.endpoints.rpc);
    const items = [];
    for await (const item of greeter.sayHelloStream({ name: "Cy", times: 3 })) {
      items.push(item.index);
      if (item.index === 0) firstSeen.resolve();
    }
    expect(items).toEqual([0, 1, 2]);
  });

  test("handler errors reach the caller as typed RpcErrors", async () => {
    const app = await startGreeter();
    const { client: greeter } = client(GreeterService, app.endpoints.rpc);
    await expect(greeter.sayHello({ name: "nobody" })).rejects.toMatchObject({ name: "RpcError", code: "NOT_FOUND", message: "no such person" });
    await expect(greeter.sayHello({ name: "crash" })).rejects.toMatchObject({ code: "INTERNAL", message: "the greeter fell over" });
  });

  test("a request that does not match its type is refused by the client with INVALID_ARGUMENT, nothing is sent", async () => {
    let calls = 0;
    const app = await startGreeter({ onCall: () => { calls++; } });
    const { client: greeter } = client(GreeterService, app.endpoints.rpc);
    await expect(greeter.sayHello({ name: 42 as unknown as string })).rejects.toMatchObject({ code: RpcStatus.INVALID_ARGUMENT });
    await expect(greeter.sayHello({ name: "ok" })).resolves.toMatchObject({ message: "Hello, ok!" });
    expect(calls).toBe(1);
  });

  test("a deadline is enforced on both sides: the caller gets DEADLINE_EXCEEDED and the handler's signal aborts", async () => {
    const serverSaw = deferred<unknown>();
    const app = await startGreeter({
      onCall: (_, context) => new Promise<void>((resolve) => {
        context.signal.addEventListener("abort", () => { serverSaw.resolve(context.signal.reason); resolve(); }, { once: true });
      }),
    });
    const { client: greeter } = client(GreeterService, app.endpoints.rpc);
    const error = await greeter.sayHello({ name: "slow" }, { timeout: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(RpcStatus.DEADLINE_EXCEEDED);
    expect(await serverSaw.promise).toMatchObject({ code: RpcStatus.DEADLINE_EXCEEDED });
  });

  test("cancelling a call rejects it with CANCELLED and aborts the handler on the server", async () => {
    const entered = deferred();
    const serverSaw = deferred<unknown>();
    const app = await startGreeter({
      onCall: (_, context) => new Promise<void>((resolve) => {
        entered.resolve();
        context.signal.addEventListener("abort", () => { serverSaw.resolve(context.signal.reason); resolve(); }, { once: true });
      }),
    });
    const { client: greeter } = client(GreeterService, app.endpoints.rpc);
    const controller = new AbortController();
    const call = greeter.sayHello({ name: "x" }, { signal: controller.signal, timeout: 20_000 });
    await entered.promise;
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: RpcStatus.CANCELLED });
    expect(await serverSaw.promise).toMatchObject({ code: RpcStatus.CANCELLED });
  });

  test("a server runs at most `concurrency` handlers at once; the other requests wait and complete", async () => {
    let running = 0;
    let highest = 0;
    const pairRunning = deferred();
    const app = await startGreeter({
      onCall: async () => {
        running++;
        highest = Math.max(highest, running);
        if (running === 2) pairRunning.resolve();
        await pairRunning.promise; // the first two wait for each other: the limit is reached for sure
        await new Promise((resolve) => setImmediate(resolve));
        running--;
      },
    }, { concurrency: 2 });
    const { client: greeter } = client(GreeterService, app.endpoints.rpc);
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => greeter.sayHello({ name: `c${i}` })));
    expect(replies).toHaveLength(8);
    expect(highest).toBe(2);
  });

  test("graceful stop: every request accepted before stop gets its reply, one made during the drain gets UNAVAILABLE at once", async () => {
    const release = deferred();
    let entered = 0;
    const app = await startGreeter({ onCall: async () => { entered++; await release.promise; } });
    const { client: greeter } = client(GreeterService, app.endpoints.rpc);
    const calls = Array.from({ length: 5 }, (_, i) => greeter.sayHello({ name: `g${i}` }, { timeout: 20_000 }));
    await until(() => entered === 5);
    const stopped = app.stop(20_000);
    expect(app.state).toBe("stopping");
    // Made while the five drain: refused at once, long before its 20 s deadline.
    const during = greeter.sayHello({ name: "during" }, { timeout: 20_000 });
    await expect(within(during, 10_000, "the refusal during the drain")).rejects.toMatchObject({ code: RpcStatus.UNAVAILABLE });
    expect(entered).toBe(5);
    expect(app.state).toBe("stopping");
    release.resolve();
    const replies = await Promise.all(calls);
    await stopped;
    expect(replies.map((reply) => reply.message)).toEqual([0, 1, 2, 3, 4].map((i) => `Hello, g${i}!`));
    expect(app.state).toBe("stopped");
    // Its connection is gone (lost during the call, or never there): UNAVAILABLE, as gRPC says of a stopped server.
    await expect(greeter.sayHello({ name: "late" }, { timeout: 300 })).rejects.toMatchObject({ code: RpcStatus.UNAVAILABLE });
  });

  test("calls are load-balanced across several server instances", async () => {
    const first = await startGreeter({}, {}, "One");
    const second = await startGreeter({}, {}, "Two");
    const { client: greeter } = client(GreeterService, [...first.endpoints.rpc, ...second.endpoints.rpc]);
    const replies = await Promise.all(Array.from({ length: 10 }, () => greeter.sayHello({ name: "lb" })));
    const servers = new Set(replies.map((reply) => reply.message.split(",")[0]));
    expect(servers).toEqual(new Set(["One", "Two"]));
  });

  test("a timed-out call is retried only when the method is configured idempotent", async () => {
    const attempts: string[] = [];
    const app = await startGreeter({
      onCall: async (request: HelloRequest, context: ServiceCallContext) => {
        attempts.push(request.name);
        // The first attempt of each call hangs until its deadline.
        if (attempts.filter((name) => name === request.name).length === 1) {
          await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
        }
      },
    });
    const retrying = client(GreeterService, app.endpoints.rpc, { methods: { sayHello: { idempotent: true, retries: 1 } } }).client;
    expect((await retrying.sayHello({ name: "idem" }, { timeout: 3_000 })).message).toBe("Hello, idem!");
    expect(attempts.filter((name) => name === "idem")).toHaveLength(2);

    const notIdempotent = client(GreeterService, app.endpoints.rpc, { methods: { sayHello: { retries: 1 } } }).client;
    await expect(notIdempotent.sayHello({ name: "once" }, { timeout: 600 })).rejects.toMatchObject({ code: RpcStatus.DEADLINE_EXCEEDED });
    expect(attempts.filter((name) => name === "once")).toHaveLength(1);
  });

  test("every app answers the built-in health ping and describe", async () => {
    const app = await startGreeter();
    const { client: health } = client(HealthService, app.endpoints.rpc);
    const pong = await health.ping({});
    expect(pong).toMatchObject({ app: "greeter", status: "SERVING" });
    // uint64 uptime_ms arrives as the number its type says: arithmetic adds, it does not concatenate.
    expect(typeof pong.uptimeMs).toBe("number");
    expect(pong.uptimeMs + 1).toBeGreaterThan(pong.uptimeMs);
    const description = await health.describe({});
    const greeter = description.services.find((service) => service.name === "example.Greeter");
    expect(greeter?.methods.map((method) => method.name)).toEqual(["SayHello", "SayHelloStream"]);
    expect(greeter?.methods[1]).toMatchObject({ requestType: "example.HelloRequest", serverStreaming: true });
    expect(description.services.map((service) => service.name)).toContain("skein.Health");
  });

  test("a Transient service gets a new instance per call, a Singleton (the default) one for all", async () => {
    const instances = new Set<object>();
    @Service(GreeterService, { scope: "Transient" })
    class PerCall {
      @Rpc() sayHello() { instances.add(this); return { message: "hi" }; }
    }
    const app = createApp({ services: [PerCall], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false });
    await app.start();
    cleanup.push(() => app.stop(1_000));
    const { client: greeter } = client(GreeterService, app.endpoints.rpc);
    await greeter.sayHello({});
    await greeter.sayHello({});
    // One instance resolved at start-up (to surface DI errors early), then one per call.
    expect(instances.size).toBe(2);

    const singletons = new Set<object>();
    @Service(GreeterService)
    class Shared {
      @Rpc() sayHello() { singletons.add(this); return { message: "hi" }; }
    }
    const shared = createApp({ services: [Shared], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false });
    await shared.start();
    cleanup.push(() => shared.stop(1_000));
    const { client: sharedClient } = client(GreeterService, shared.endpoints.rpc);
    await sharedClient.sayHello({});
    await sharedClient.sayHello({});
    expect(singletons.size).toBe(1);
  });

  test("an injected client without endpoints fails start-up with a setup error naming the fix", async () => {
    const app = createApp({ services: [Orders], endpoints: { rpc: { bind: [LOOPBACK] }, events: { bind: [LOOPBACK] }, queues: { "orders.process": { bind: [LOOPBACK] } } }, env: false });
    const error = await app.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceSetupError);
    expect((error as Error).message).toMatch(/endpoints\.clients\["example\.Greeter"\] or SKEIN_CLIENT_EXAMPLE_GREETER/);
    expect(app.state).toBe("stopped");
  });
});

describe("an app with PLAIN security", () => {
  test("an interceptor authorises by the caller's ZAP user id", async () => {
    const { Context } = await import("@skein/core");
    const context = new Context();
    cleanup.push(async () => context.close());
    context.zapHandler = ({ credentials }) => ({
      allow: credentials[1]?.toString() === "pw",
      userId: credentials[0]!.toString(),
    });
    const seen: (string | undefined)[] = [];
    const app = await startGreeter({}, {
      context,
      security: { rpc: { plainServer: true } },
      interceptors: [
        async (invocation, next) => {
          seen.push(invocation.context.userId);
          if (invocation.context.userId !== "ada") throw new RpcError(RpcStatus.PERMISSION_DENIED, "ada only");
          return next();
        },
      ],
    });
    const ada = connect(GreeterService, { endpoints: app.endpoints.rpc, context, security: { plainUsername: "ada", plainPassword: "pw" } });
    cleanup.push(() => ada.close());
    const bob = connect(GreeterService, { endpoints: app.endpoints.rpc, context, security: { plainUsername: "bob", plainPassword: "pw" } });
    cleanup.push(() => bob.close());
    expect((await ada.client.sayHello({ name: "Ada" })).message).toBe("Hello, Ada!");
    await expect(bob.client.sayHello({ name: "Bob" })).rejects.toMatchObject({ code: RpcStatus.PERMISSION_DENIED });
    expect(seen).toEqual(["ada", "bob"]);
  });
});
