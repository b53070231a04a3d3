/**
 * Closing sockets leaves nothing behind: no servers, connections or timers
 * keep the process alive, whatever the linger (-1 included, once delivered).
 */
import { createHook } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { Context, Dealer, Publisher, Pull, Push, Router, Subscriber } from "../src/index.js";
import { STREAM_TRANSPORTS, awaitSubscription, bindFresh, freeAddress, nextEvent, within } from "./helpers.js";

const TRACKED = new Set(["TCPWRAP", "PIPEWRAP", "TCPSERVERWRAP", "PIPESERVERWRAP", "Timeout"]);

/**
 * Records every connection, server and timer created from now on, and
 * which are still alive. Timers count as alive until they fire or are cleared.
 */
function trackResources() {
  const live = new Map<number, { type: string; resource: { _destroyed?: boolean } }>();
  const own = new WeakSet<object>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (TRACKED.has(type)) live.set(id, { type, resource: resource as { _destroyed?: boolean } });
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  const alive = (): string[] =>
    [...live.values()]
      .filter(({ type, resource }) => !own.has(resource) && !(type === "Timeout" && resource._destroyed === true))
      .map(({ type }) => type)
      .sort();
  return {
    alive,
    /** Polls (bounded) until nothing created since tracking began is alive. */
    async settle(): Promise<string[]> {
      for (let i = 0; i < 500 && alive().length > 0; i++) {
        await new Promise((resolve) => own.add(setTimeout(resolve, 10)));
      }
      hook.disable();
      return alive();
    },
  };
}

/** Puts a new context in `holder` (made in a frame of its own, so that no stack slot keeps it). */
function newContextIn(holder: { context?: Context }): WeakRef<Context> {
  holder.context = new Context();
  return new WeakRef(holder.context);
}

describe.each(STREAM_TRANSPORTS)("Closing sockets over %s", (transport) => {
  it("releases every server, connection and timer, with the default linger", async () => {
    const resources = trackResources();
    // Default options: linger -1, heartbeats off. Peers in both directions, one still retrying.
    const pull = new Pull();
    const push = new Push();
    push.connect(await bindFresh(pull, transport));
    await push.send("x");
    await within(pull.receive());
    const router = new Router();
    const dealer = new Dealer({ heartbeatInterval: 50 });
    dealer.connect(await bindFresh(router, transport));
    await dealer.send("y");
    await within(router.receive());
    const pub = new Publisher();
    const sub = new Subscriber();
    sub.connect(await bindFresh(pub, transport));
    sub.subscribe("");
    await awaitSubscription((m) => pub.send(m), sub, "");
    const retrying = new Push({ linger: 0 });
    const retry = nextEvent(retrying, "connect:retry");
    retrying.connect(await freeAddress(transport));
    await retry;
    for (const socket of [push, pull, dealer, router, sub, pub, retrying]) socket.close();
    expect(await resources.settle()).toEqual([]);
  });

  it("a socket closed while connecting leaves nothing that keeps its context reachable", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, "test workers run with --expose-gc").toBeTypeOf("function");
    const address = await freeAddress(transport);
    const holder: { context?: Context } = {};
    const released = newContextIn(holder);
    // A WeakRef keeps its target alive until the job that made it ends: close and collect in later ones.
    await new Promise((resolve) => setImmediate(resolve));
    const collected = await new Promise<boolean>((resolve) => {
      // Two callbacks of one check phase, before libuv's close callbacks: the attempt's handle
      // is still open when the second one collects.
      setImmediate(() => {
        const dealer = new Dealer({ context: holder.context!, linger: 0 });
        delete holder.context;
        dealer.connect(address);
        void dealer.send("queued");
        dealer.close();
      });
      setImmediate(() => {
        gc!();
        resolve(released.deref() === undefined);
      });
    });
    expect(collected).toBe(true);
  });

  it("closing during a connection attempt clears its connectTimeout timer", async () => {
    const resources = trackResources();
    const push = new Push({ linger: 0, connectTimeout: 60_000 });
    push.connect(await freeAddress(transport));
    push.close();
    expect(await resources.settle()).toEqual([]);
  });

  it("a positive linger ends once queued messages are written, not after the whole linger", async () => {
    const resources = trackResources();
    const pull = new Pull({ linger: 0 });
    const push = new Push({ linger: 60_000 });
    push.connect(await bindFresh(pull, transport));
    await nextEvent(push, "handshake");
    for (let i = 0; i < 100; i++) await push.send(String(i));
    push.close();
    for (let i = 0; i < 100; i++) await within(pull.receive());
    pull.close();
    // Far less than the 60 s linger: the linger timer must not outlive the flush.
    expect(await resources.settle()).toEqual([]);
  });
});
