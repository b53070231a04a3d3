import { afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import * as skein from "../../src/index.js";
import { bindAddress, pollUntil, text } from "./helpers.js";

/** Every socket of either library made by a test; closed with linger 0 after it. */
const opened: Array<{ linger: number; close(): void; readonly closed: boolean }> = [];
const proxies: Array<{ proxy: skein.Proxy; running: Promise<void> }> = [];
function track<T extends { linger: number; close(): void; readonly closed: boolean }>(socket: T): T {
  socket.linger = 0;
  opened.push(socket);
  return socket;
}
afterEach(async () => {
  for (const { proxy, running } of proxies.splice(0)) {
    proxy.terminate();
    await running.catch(() => undefined);
  }
  for (const socket of opened.splice(0)) if (!socket.closed) socket.close();
});

function run(proxy: skein.Proxy): void {
  proxies.push({ proxy, running: proxy.run() });
}

/** Receives on a STREAM socket until data (not a connect/disconnect notification) arrives. */
async function receiveData(socket: { receive(): Promise<Buffer[]> }): Promise<[Buffer, string]> {
  for (;;) {
    const [id, data] = await socket.receive();
    if (data!.length > 0) return [id!, data!.toString("latin1")];
  }
}

describe("STREAM interop with libzmq", () => {
  it("a libzmq STREAM client makes an HTTP-style request to a skein STREAM server", async () => {
    const server = track(new skein.Stream());
    await server.bind(bindAddress("tcp"));
    const client = track(new zmq.Stream());
    client.receiveTimeout = 5000;
    server.receiveTimeout = 5000;
    client.connect(server.lastEndpoint!, { routingId: "web" });
    // libzmq announces its own connection with an empty message too.
    const [clientSideId, connected] = await client.receive();
    expect(clientSideId!.toString()).toBe("web");
    expect(connected!.length).toBe(0);
    await client.send(["web", "GET / HTTP/1.0\r\n\r\n"]);
    const [peer, request] = await receiveData(server);
    expect(request).toBe("GET / HTTP/1.0\r\n\r\n");
    await server.send([peer, "HTTP/1.0 200 OK\r\n\r\nhi"]);
    await server.send([peer, ""]);
    const [, response] = await receiveData(client);
    expect(response).toBe("HTTP/1.0 200 OK\r\n\r\nhi");
    // The server closed the connection: libzmq reports the disconnect as an empty message.
    for (;;) {
      const [id, data] = await client.receive();
      if (id!.toString() === "web" && data!.length === 0) break;
    }
  });

  it("a skein STREAM client exchanges bytes with a libzmq STREAM server in both directions", async () => {
    const server = track(new zmq.Stream());
    server.receiveTimeout = 5000;
    await server.bind("tcp://127.0.0.1:*");
    const client = track(new skein.Stream());
    client.receiveTimeout = 5000;
    client.connect(server.lastEndpoint!, { routingId: "up" });
    const [id, hello] = await client.receive();
    expect(id!.toString()).toBe("up");
    expect(hello!.length).toBe(0);
    await client.send(["up", "ping"]);
    const [peer, ping] = await receiveData(server);
    expect(ping).toBe("ping");
    await server.send([peer, "pong"]);
    const [from, pong] = await receiveData(client);
    expect(from.toString()).toBe("up");
    expect(pong).toBe("pong");
  });
});

describe("Proxy interop with libzmq peers", () => {
  it("shared queue: libzmq REQ clients and libzmq REP workers through a skein ROUTER/DEALER proxy", async () => {
    const proxy = new skein.Proxy(track(new skein.Router()), track(new skein.Dealer()));
    await proxy.frontEnd.bind(bindAddress("tcp"));
    await proxy.backEnd.bind(bindAddress("tcp"));
    run(proxy);
    for (let n = 0; n < 2; n++) {
      const worker = track(new zmq.Reply());
      worker.connect(proxy.backEnd.lastEndpoint!);
      void (async () => {
        try {
          for await (const [request] of worker) await worker.send(`re: ${request!.toString()}`);
        } catch {
          // closed by the test's cleanup
        }
      })();
    }
    const clients = [0, 1, 2].map(() => {
      const client = track(new zmq.Request());
      client.receiveTimeout = 5000;
      client.connect(proxy.frontEnd.lastEndpoint!);
      return client;
    });
    const replies = await Promise.all(
      clients.map(async (client, c) => {
        const got: string[] = [];
        for (let i = 0; i < 4; i++) {
          await client.send(`${c}.${i}`);
          got.push(text(await client.receive())[0]!);
        }
        return got;
      }),
    );
    replies.forEach((got, c) => expect(got).toEqual([0, 1, 2, 3].map((i) => `re: ${c}.${i}`)));
    expect(proxy.stats.frontEnd.messages).toBe(12);
  });

  it("forwarder: libzmq PUB upstream, libzmq SUB downstream, subscription filtering across a skein XSUB/XPUB proxy", async () => {
    const publisher = track(new zmq.Publisher());
    await publisher.bind("tcp://127.0.0.1:*");
    const proxy = new skein.Proxy(track(new skein.XSubscriber()), track(new skein.XPublisher()));
    proxy.frontEnd.connect(publisher.lastEndpoint!);
    await proxy.backEnd.bind(bindAddress("tcp"));
    run(proxy);
    const subscriber = track(new zmq.Subscriber());
    subscriber.receiveTimeout = 5000;
    subscriber.subscribe("A");
    subscriber.connect(proxy.backEnd.lastEndpoint!);
    const first = await pollUntil(
      subscriber.receive(),
      async () => {
        await publisher.send(["B", "filtered out"]);
        await publisher.send(["A", "wanted"]);
      },
      "the subscription to cross the proxy",
    );
    expect(text(first)).toEqual(["A", "wanted"]);
    await publisher.send(["B", "never"]);
    await publisher.send(["A", "last"]);
    for (;;) {
      const msg = text(await subscriber.receive());
      expect(msg[0]).toBe("A");
      if (msg[1] === "last") break;
    }
  });

  it("streamer: libzmq PUSH to libzmq PULL through a skein PULL/PUSH proxy, in order", async () => {
    const proxy = new skein.Proxy(track(new skein.Pull()), track(new skein.Push()));
    await proxy.frontEnd.bind(bindAddress("tcp"));
    await proxy.backEnd.bind(bindAddress("tcp"));
    run(proxy);
    const source = track(new zmq.Push());
    source.connect(proxy.frontEnd.lastEndpoint!);
    const sink = track(new zmq.Pull());
    sink.receiveTimeout = 5000;
    sink.connect(proxy.backEnd.lastEndpoint!);
    const sending = (async () => {
      for (let i = 0; i < 200; i++) await source.send(`job ${i}`);
    })();
    for (let i = 0; i < 200; i++) expect(text(await sink.receive())).toEqual([`job ${i}`]);
    await sending;
    expect(proxy.stats.frontEnd.messages).toBe(200);
  });
});
