import { describe, expect, test } from "vitest";
import { Pull, Push } from "../src/index.js";
import {
  RAW_TRANSPORTS,
  STREAM_TRANSPORTS,
  freeAddress,
  nextEvent,
  rawCommand,
  rawGreeting,
  rawListen,
  rawReady,
  socketScope,
  strings,
  until,
  within,
} from "./helpers.js";

describe.each(STREAM_TRANSPORTS)("close() and queued messages over %s", (transport) => {
  const open = socketScope();

  test("with the default linger, messages queued before the peer ever connected are still delivered", async () => {
    const address = await freeAddress(transport);
    const push = new Push();
    push.connect(address);
    for (const body of ["one", "two", "three"]) await push.send(body);
    push.close();
    const pull = open(new Pull());
    await pull.bind(address);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push(strings(await within(pull.receive()))[0]!);
    expect(got).toEqual(["one", "two", "three"]);
  });
});

/**
 * A closed socket with messages for a peer that has not completed its
 * handshake keeps its connection (and its attempts to connect) for `linger`
 * ms, then drops them. A raw peer that accepts the connection and never
 * answers makes the socket's giving up an event: the connection closes.
 */
describe.each(RAW_TRANSPORTS)("close() and messages waiting for a handshake, over %s", (transport) => {
  const open = socketScope();

  async function silentPeer() {
    const listener = await rawListen(transport);
    open.defer(() => listener.close());
    return listener;
  }

  /** Closes a PUSH with `linger` and one message queued for the silent peer; resolves with that peer. */
  async function closeWithQueued(linger: number, body: string) {
    const listener = await silentPeer();
    const push = open(new Push({ linger }));
    push.connect(listener.address);
    const peer = await within(listener.accepted());
    await push.send(body);
    push.close();
    return peer;
  }

  test.each([
    { linger: 0, when: "with linger 0 they are dropped and the connection ends without waiting for the peer" },
    { linger: 50, when: "with a positive linger they are dropped when it runs out, and the connection ends" },
  ])("$when", async ({ linger }) => {
    const peer = await closeWithQueued(linger, "never sent");
    await within(peer.closed, 5000, "the connection's end");
    expect(peer.received().includes("never sent")).toBe(false);
  });

  test("within a positive linger they are delivered once the peer completes its handshake", async () => {
    const peer = await closeWithQueued(30_000, "in time");
    peer.stream.write(Buffer.concat([rawGreeting(), rawReady("PULL")]));
    await until(() => peer.received().includes("in time"), "the queued message");
    // Delivered, the closed socket has nothing left to wait for: it ends the connection.
    await within(peer.closed, 5000, "the connection's end");
  });

  test("with a positive linger, a connected peer that does not read has its connection ended when it runs out", async () => {
    const listener = await silentPeer();
    const push = open(new Push({ linger: 50, sendHighWaterMark: 0 }));
    push.connect(listener.address);
    const peer = await within(listener.accepted());
    const ready = nextEvent(push, "handshake");
    peer.stream.write(Buffer.concat([rawGreeting(), rawReady("PULL")]));
    await ready;
    peer.stream.pause();
    // 64 MiB: more than the kernel's buffers hold, so most of it is still queued at close().
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 64; i++) await push.send(big);
    push.close();
    // A peer that does not read learns of the end only when it writes: it sends PINGs
    // (harmless, RFC 37) until a write fails and its side of the connection is destroyed.
    const ping = rawCommand("PING", Buffer.from([0, 0]));
    await until(() => {
      if (!peer.stream.destroyed) peer.stream.write(ping);
      return peer.stream.destroyed;
    }, "the connection's end");
  });
});
