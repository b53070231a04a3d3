import * as zmq from "zeromq";
import { afterEach, expect, test } from "vitest";
import { startSkein, type Running } from "./skein-process.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** `skein proxy <shape>` on two fresh ports: the process and its front-end and back-end endpoints. */
async function startProxy(shape: string): Promise<{ proxy: Running; frontend: string; backend: string }> {
  const proxy = startSkein(["proxy", shape, "--frontend", "tcp://127.0.0.1:0", "--backend", "tcp://127.0.0.1:0"]);
  cleanup.push(() => proxy.child.exitCode === null && proxy.child.kill("SIGKILL"));
  const frontend = (await proxy.match(/frontend bound (tcp:\/\/\S+)/, "stderr"))[1]!;
  const backend = (await proxy.match(/backend bound (tcp:\/\/\S+)/, "stderr"))[1]!;
  await proxy.match(new RegExp(`proxy ${shape} running`), "stderr");
  return { proxy, frontend, backend };
}

/** Stops the proxy as Ctrl-C does: exit 0 and a count of what it forwarded. */
async function stop(proxy: Running): Promise<string> {
  proxy.child.kill("SIGINT");
  const { code, stderr } = await proxy.exited;
  expect(code).toBe(0);
  return stderr;
}

function own<T extends { close(): void }>(socket: T): T {
  cleanup.push(() => socket.close());
  return socket;
}

test("proxy queue carries requests from a REQ to a REP worker and the replies back", async () => {
  const { proxy, frontend, backend } = await startProxy("queue");
  const worker = own(new zmq.Reply({ linger: 0 }));
  worker.connect(backend);
  const serving = (async () => {
    for (let i = 0; i < 3; i++) {
      const [request] = await worker.receive();
      await worker.send(`done ${String(request)}`);
    }
  })();
  const client = own(new zmq.Request({ linger: 0 }));
  client.connect(frontend);
  for (const job of ["a", "b", "c"]) {
    await client.send(job);
    expect((await client.receive()).map(String)).toEqual([`done ${job}`]);
  }
  await serving;
  expect(await stop(proxy)).toContain("forwarded 3 message(s) front-end to back-end, 3 back-end to front-end");
});

test("proxy forwarder carries a publisher's messages to a subscriber, and its subscription back", async () => {
  const { proxy, frontend, backend } = await startProxy("forwarder");
  const publisher = own(new zmq.Publisher({ linger: 0 }));
  publisher.connect(frontend);
  const subscriber = own(new zmq.Subscriber({ linger: 0 }));
  subscriber.connect(backend);
  subscriber.subscribe("news");
  // Until the subscription has travelled subscriber → XPUB → XSUB → publisher, messages are dropped
  // (PUB/SUB's slow joiner): publish until one arrives, each time on a fresh receive.
  const received = subscriber.receive();
  let arrived = false;
  void received.then(() => (arrived = true));
  while (!arrived) {
    await publisher.send(["sport", "not this"]);
    await publisher.send(["news", "hello"]);
    await Promise.race([received, new Promise((resolve) => setTimeout(resolve, 20))]);
  }
  expect((await received).map(String)).toEqual(["news", "hello"]);
  expect(await stop(proxy)).toMatch(/forwarded [1-9]\d* message\(s\) front-end to back-end, [1-9]\d* back-end to front-end/);
});

test("proxy streamer carries every message from a PUSH to a PULL, in order", async () => {
  const { proxy, frontend, backend } = await startProxy("streamer");
  const producer = own(new zmq.Push({ linger: 0 }));
  producer.connect(frontend);
  const consumer = own(new zmq.Pull({ linger: 0 }));
  consumer.connect(backend);
  const sent = Array.from({ length: 100 }, (_, i) => `item ${i}`);
  for (const item of sent) await producer.send(item);
  const got: string[] = [];
  while (got.length < sent.length) got.push(String((await consumer.receive())[0]));
  expect(got).toEqual(sent);
  expect(await stop(proxy)).toContain("forwarded 100 message(s) front-end to back-end, 0 back-end to front-end");
});

test("proxy with an unknown shape is a usage error listing the three", async () => {
  const { code, stderr } = await startSkein(["proxy", "broker", "--frontend", "tcp://127.0.0.1:0", "--backend", "tcp://127.0.0.1:0"]).exited;
  expect(code).toBe(2);
  expect(stderr).toContain('unknown proxy shape "broker" (one of queue, forwarder, streamer)');
});
