/**
 * @skein/core's browser build in a real Chromium: a page built from the
 * browser entry (esbuild, `browser` condition, no Node built-ins) talks over
 * ws:// to skein sockets in this Node process and to libzmq 4.3.5 (the
 * `zeromq` package's prebuilt library, which binds ws://; it has no wss://).
 *
 * Run by .ci/suites/browser.sh (it installs Debian's chromium), not by `pnpm test`.
 */
import { fileURLToPath } from "node:url";
import { Publisher, Push, Reply, Router, XPublisher, curveKeyPair } from "@skein/core";
import type { Page } from "playwright-core";
import * as zmq from "zeromq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type Chromium } from "./chromium.js";
import { bundleForBrowser, servePage, type PageServer } from "./page-server.js";

const PAGE_ENTRY = fileURLToPath(new URL("./pages/core-page.ts", import.meta.url));

let chromium: Chromium;
let server: PageServer;
let page: Page;

beforeAll(async () => {
  const script = await bundleForBrowser(PAGE_ENTRY);
  server = await servePage(script, "skein core");
  chromium = await launchChromium();
  page = await chromium.context.newPage();
  page.on("pageerror", (error) => {
    throw error;
  });
  await page.goto(server.url);
  await page.waitForFunction(() => window.skeinReady === true, undefined, { timeout: 10_000 });
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

/** A skein socket bound on a free ws:// port of loopback; returns its endpoint. */
async function bindWs<T extends { bind(address: string): Promise<void>; readonly lastEndpoint: string | null }>(socket: T, path: string): Promise<string> {
  await socket.bind(`ws://127.0.0.1:*${path}`);
  return socket.lastEndpoint!;
}

/** A REQ in the page sends each of `requests` to `endpoint` and returns the replies as text. */
function pageRequests(endpoint: string, requests: string[], curve?: { serverKey: string }): Promise<string[]> {
  return page.evaluate(
    async ({ endpoint, requests, curve }) => {
      const { Request, curveKeyPair } = window.skein;
      const request = new Request({ receiveTimeout: 5000 });
      if (curve !== undefined) {
        const keys = curveKeyPair();
        request.curveServerKey = curve.serverKey;
        request.curvePublicKey = keys.publicKey;
        request.curveSecretKey = keys.secretKey;
      }
      request.connect(endpoint);
      const replies: string[] = [];
      try {
        for (const text of requests) {
          await request.send(text);
          const [reply] = await request.receive();
          replies.push(new TextDecoder().decode(reply));
        }
      } finally {
        request.close();
      }
      return replies;
    },
    { endpoint, requests, curve },
  );
}

/** Answers every request with "echo:" and the request, until closed. */
async function echo(socket: { receive(): Promise<Buffer[]>; send(message: unknown): Promise<void>; readonly closed: boolean }): Promise<void> {
  for (;;) {
    let message: Buffer[];
    try {
      message = await socket.receive();
    } catch (error) {
      if (socket.closed) return;
      throw error;
    }
    await socket.send(`echo:${message.map(String).join("|")}`);
  }
}

describe("the browser build in Chromium", () => {
  it("runs without Node's Buffer or process in the page", async () => {
    const globals = await page.evaluate(() => ({
      buffer: typeof (globalThis as { Buffer?: unknown }).Buffer,
      process: typeof (globalThis as { process?: unknown }).process,
      version: window.skein.version,
    }));
    expect(globals).toEqual({ buffer: "undefined", process: "undefined", version: "4.3.5" });
  });

  it("REQ in the page gets replies from a skein REP over ws://", async () => {
    const reply = new Reply();
    const endpoint = await bindWs(reply, "/req");
    const served = echo(reply);
    try {
      expect(await pageRequests(endpoint, ["one", "two", "x".repeat(70_000)])).toEqual(["echo:one", "echo:two", `echo:${"x".repeat(70_000)}`]);
    } finally {
      reply.close();
      await served;
    }
  });

  it("SUB in the page receives what a skein publisher sends to its subscription only", async () => {
    const publisher = new XPublisher();
    const endpoint = await bindWs(publisher, "/pub");
    try {
      const received = page.evaluate(async (endpoint) => {
        const subscriber = new window.skein.Subscriber({ receiveTimeout: 5000 });
        subscriber.subscribe("news");
        subscriber.connect(endpoint);
        try {
          const frames = await subscriber.receive();
          return frames.map((frame) => new TextDecoder().decode(frame));
        } finally {
          subscriber.close();
        }
      }, endpoint);
      // The subscription reaches the publisher before anything is published: nothing races.
      const [subscription] = await publisher.receive();
      expect(String(subscription)).toBe("\u0001news");
      await publisher.send(["weather", "rain"]);
      await publisher.send(["news", "skein runs in a browser"]);
      expect(await received).toEqual(["news", "skein runs in a browser"]);
    } finally {
      publisher.close();
    }
  });

  it("CURVE: the page's REQ talks to a skein CURVE server", async () => {
    const server = curveKeyPair();
    const reply = new Reply({ curveServer: true, curveSecretKey: server.secretKey });
    const endpoint = await bindWs(reply, "/curve");
    const served = echo(reply);
    try {
      expect(await pageRequests(endpoint, ["secret"], { serverKey: server.publicKey })).toEqual(["echo:secret"]);
    } finally {
      reply.close();
      await served;
    }
  });

  it("CURVE: a page with the wrong server key never completes the handshake", async () => {
    const server = curveKeyPair();
    const reply = new Reply({ curveServer: true, curveSecretKey: server.secretKey });
    const endpoint = await bindWs(reply, "/curve-wrong");
    try {
      const outcome = await page.evaluate(
        async ({ endpoint, wrongKey }) => {
          const { Request, curveKeyPair } = window.skein;
          const keys = curveKeyPair();
          const request = new Request({ curveServerKey: wrongKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey, receiveTimeout: 1500 });
          const failures: string[] = [];
          const watch = (async () => {
            for await (const event of request.events) {
              if (event.type.startsWith("handshake:error")) failures.push(event.type);
            }
          })();
          request.connect(endpoint);
          await request.send("nobody hears this");
          let result: string;
          try {
            await request.receive();
            result = "received";
          } catch (error) {
            result = (error as { code?: string }).code ?? String(error);
          }
          request.close();
          await watch;
          return { result, failures: failures.length > 0 };
        },
        { endpoint, wrongKey: curveKeyPair().publicKey },
      );
      expect(outcome).toEqual({ result: "EAGAIN", failures: true });
    } finally {
      reply.close();
    }
  });

  it("DEALER in the page is routed to by a skein ROUTER by its routing id", async () => {
    const router = new Router();
    const endpoint = await bindWs(router, "/router");
    try {
      const answer = page.evaluate(async (endpoint) => {
        const dealer = new window.skein.Dealer({ routingId: "page-1", receiveTimeout: 5000 });
        dealer.connect(endpoint);
        await dealer.send("hello");
        const [reply] = await dealer.receive();
        dealer.close();
        return new TextDecoder().decode(reply);
      }, endpoint);
      const [id, body] = await router.receive();
      expect([String(id), String(body)]).toEqual(["page-1", "hello"]);
      await router.send([id!, "hello page-1"]);
      expect(await answer).toBe("hello page-1");
    } finally {
      router.close();
    }
  });

  it("refuses to bind, and to connect to tcp:// and ipc://, with EPROTONOSUPPORT", async () => {
    const codes = await page.evaluate(async () => {
      const push = new window.skein.Push();
      const codes: string[] = [];
      for (const attempt of [() => push.bind("ws://127.0.0.1:*/x"), () => push.connect("tcp://127.0.0.1:5555"), () => push.connect("ipc:///tmp/x")]) {
        try {
          await attempt();
          codes.push("ok");
        } catch (error) {
          codes.push((error as { code?: string }).code ?? String(error));
        }
      }
      push.close();
      return codes;
    });
    expect(codes).toEqual(["EPROTONOSUPPORT", "EPROTONOSUPPORT", "EPROTONOSUPPORT"]);
  });

  it("reconnects to a skein publisher that restarts on the same endpoint", async () => {
    const first = new Publisher();
    const endpoint = await bindWs(first, "/restart");
    await page.evaluate((endpoint) => {
      const subscriber = new window.skein.Subscriber({ reconnectInterval: 20 });
      subscriber.subscribe("");
      subscriber.connect(endpoint);
      (window as unknown as { restartSubscriber: unknown }).restartSubscriber = subscriber;
    }, endpoint);
    first.close();
    const second = new XPublisher();
    await second.bind(endpoint);
    try {
      const received = page.evaluate(async () => {
        const subscriber = (window as unknown as { restartSubscriber: InstanceType<typeof window.skein.Subscriber> }).restartSubscriber;
        const [frame] = await subscriber.receive();
        subscriber.close();
        return new TextDecoder().decode(frame);
      });
      // The page's subscription comes back with the reconnection.
      const [subscription] = await second.receive();
      expect(subscription!.length).toBe(1);
      await second.send("back");
      expect(await received).toBe("back");
    } finally {
      second.close();
    }
  });

  it("drops a connection that floods a page which does not read, past maxWebSocketQueueSize, and the page works on", async () => {
    // 64 MiB to a page that holds 1 MiB at most while it does not read (the WebSocket cannot stop reading).
    const PART = 64 * 1024;
    const FLOOD = 1024;
    const push = new Push({ sendHighWaterMark: 16 });
    const endpoint = await bindWs(push, "/flood");
    try {
      await page.evaluate((endpoint) => {
        const pull = new window.skein.Pull({ receiveHighWaterMark: 4, maxWebSocketQueueSize: 1024 * 1024, reconnectInterval: 20 });
        const drops: string[] = [];
        pull.events.on("disconnect", (event) => drops.push(event.error?.code ?? "none"));
        pull.connect(endpoint);
        Object.assign(window, { floodPull: pull, floodDrops: drops });
      }, endpoint);
      const part = Buffer.alloc(PART, 0x61);
      for (let i = 0; i < FLOOD; i++) await push.send(part);
      // Every part was written to some connection of the page: measure what the page holds, after a GC.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("HeapProfiler.collectGarbage");
      const heap = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number; backingStorageSize?: number };
      await cdp.detach();
      const held = heap.usedSize + (heap.backingStorageSize ?? 0);
      expect(held).toBeLessThan(16 * 1024 * 1024);
      // The page reads on: what was not lost with a dropped connection, then what comes after.
      await push.send("still working");
      const outcome = await page.evaluate(async () => {
        const { floodPull: pull, floodDrops: drops } = window as unknown as { floodPull: InstanceType<typeof window.skein.Pull>; floodDrops: string[] };
        let last = "";
        while (last !== "still working") {
          const [frame] = await pull.receive();
          last = frame!.length === "still working".length ? new TextDecoder().decode(frame) : "";
        }
        pull.close();
        return { drops: [...new Set(drops)], last };
      });
      expect(outcome).toEqual({ drops: ["ENOBUFS"], last: "still working" });
    } finally {
      push.close();
    }
  });
});

describe("the browser build with libzmq over ws://", () => {
  it("REQ in the page gets replies from libzmq's REP", async () => {
    const reply = new zmq.Reply();
    await reply.bind("ws://127.0.0.1:*/libzmq");
    const served = echo(reply as never);
    try {
      expect(await pageRequests(reply.lastEndpoint!, ["a", "b"])).toEqual(["echo:a", "echo:b"]);
    } finally {
      reply.close();
      await served;
    }
  });

  it("CURVE: libzmq refuses the subprotocol a browser can offer for CURVE, so the page never connects", async () => {
    // A browser cannot offer RFC 45's ZWS2.0/CURVE (not a token); libzmq knows no other name for it.
    const keys = zmq.curveKeyPair();
    const reply = new zmq.Reply({ curveServer: true, curveSecretKey: keys.secretKey });
    await reply.bind("ws://127.0.0.1:*/libzmq-curve");
    try {
      const outcome = await page.evaluate(
        async ({ endpoint, serverKey }) => {
          const { Request, curveKeyPair } = window.skein;
          const keys = curveKeyPair();
          const request = new Request({ curveServerKey: serverKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey, reconnectInterval: 50 });
          const seen: string[] = [];
          const watch = (async () => {
            for await (const event of request.events) seen.push(event.type);
          })();
          request.connect(endpoint);
          // Wait for two failed attempts, then stop.
          while (seen.filter((type) => type === "connect:retry").length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
          request.close();
          await watch;
          return { connected: seen.includes("connect"), retried: seen.includes("connect:retry") };
        },
        { endpoint: reply.lastEndpoint!, serverKey: keys.publicKey },
      );
      expect(outcome).toEqual({ connected: false, retried: true });
    } finally {
      reply.close();
    }
  });

  it("SUB in the page receives from libzmq's XPUB", async () => {
    const publisher = new zmq.XPublisher();
    await publisher.bind("ws://127.0.0.1:*/libzmq-pub");
    try {
      const received = page.evaluate(async (endpoint) => {
        const subscriber = new window.skein.Subscriber({ receiveTimeout: 5000 });
        subscriber.subscribe("t");
        subscriber.connect(endpoint);
        const frames = await subscriber.receive();
        subscriber.close();
        return frames.map((frame) => new TextDecoder().decode(frame));
      }, publisher.lastEndpoint!);
      const [subscription] = await publisher.receive();
      expect(String(subscription)).toBe("\u0001t");
      await publisher.send(["t", "from libzmq"]);
      expect(await received).toEqual(["t", "from libzmq"]);
    } finally {
      publisher.close();
    }
  });
});
