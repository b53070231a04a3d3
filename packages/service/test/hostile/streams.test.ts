/**
 * Stream flow control against hostile peers. A client that sends credit it
 * was not given (on a call with no reply stream), huge credit while it stops
 * reading, credit and stream items for calls that do not exist or were
 * cancelled, and more items than the credit it was granted; a server that
 * sends more items than the caller's credit, and credit the caller never
 * asked for. Each bad call fails or is dropped alone; the app and the client
 * keep serving a good peer, and memory comes back.
 */
import "reflect-metadata";
import { type Envelope, decodeEnvelope, encodeEnvelope } from "@skein/codec";
import { Dealer, Router } from "@skein/core";
import { afterEach, describe, expect, test } from "vitest";
import { Amount, CalculatorService } from "../generated/index.js";
import { type App, connect, RpcStatus } from "../../src/index.js";
import { newProbe, type Probe, startCalculatorApp } from "../calculator.js";
import { describeFootprint, footprint } from "../../../core/test/hostile/measure.js";
import { u64 } from "../../../patterns/test/hostile/raw-peer.js";
import { LOOPBACK, until, within } from "../fixtures.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const WINDOW = 8;
const HEAP_BOUND = 8 * 1024 * 1024;
const CALL_FLAG = 0x01;

async function startCalculator(): Promise<{ app: App; probe: Probe }> {
  const { app, probe, stop } = await startCalculatorApp(WINDOW);
  cleanup.push(stop);
  return { app, probe };
}

/** A DEALER that speaks the envelope by hand: requests `[id, ...envelope]`, call messages `[id + CALL_FLAG, ...envelope]`. */
async function handmadeClient(endpoint: string): Promise<{ request(id: number, envelope: Envelope): Promise<void>; onCall(id: number, envelope: Envelope): Promise<void>; replies: Map<number, Envelope[]>; socket: Dealer }> {
  const socket = new Dealer({ linger: 0, maxPendingSends: 0 });
  socket.connect(endpoint);
  cleanup.push(() => socket.close());
  const replies = new Map<number, Envelope[]>();
  void (async () => {
    for await (const [head, ...frames] of socket) {
      const id = Number(head!.readBigUInt64BE(0));
      const list = replies.get(id) ?? [];
      list.push(decodeEnvelope(frames));
      replies.set(id, list);
    }
  })().catch((error: unknown) => {
    if ((error as { code?: string }).code !== "EAGAIN" && !socket.closed) throw error;
  });
  return {
    request: (id, envelope) => socket.send([u64(id), ...encodeEnvelope(envelope)]),
    onCall: (id, envelope) => socket.send([Buffer.concat([u64(id), Buffer.from([CALL_FLAG])]), ...encodeEnvelope(envelope)]),
    replies,
    socket,
  };
}

const call = (method: string, correlationId: string, payload: Buffer[] = [], credit?: number): Envelope => ({
  kind: "request", service: CalculatorService.name, method, correlationId, payload, ...(credit === undefined ? {} : { credit }),
});
const amount = (value: number): Buffer => Buffer.from(Amount.encode({ value }));

/** The error a call ended with, as its reply says. */
async function finalReply(replies: Map<number, Envelope[]>, id: number): Promise<Envelope> {
  await until(() => (replies.get(id) ?? []).some((e) => e.kind === "error" || e.kind === "reply" || e.kind === "stream-end"), `the reply to call ${id}`);
  return replies.get(id)!.find((e) => e.kind === "error" || e.kind === "reply" || e.kind === "stream-end")!;
}

function errorCode(envelope: Envelope): string {
  expect(envelope.kind).toBe("error");
  // ErrorPayload: field 1 (code) is a string; enough to find the code's text in the payload.
  return envelope.payload[0]!.toString("latin1");
}

/**
 * A good client's calls all succeed: unary, and with `streams` a
 * bidirectional call too (which counts in the probe: the probe is reset after).
 */
async function goodClientServed(app: App, probe: Probe, streams: boolean): Promise<void> {
  const good = connect(CalculatorService, { endpoints: app.endpoints.rpc, timeout: 10_000, streamWindow: WINDOW });
  cleanup.push(() => good.close());
  expect((await good.client.double({ value: 21 })).value).toBe(42);
  if (!streams) return;
  const totals: number[] = [];
  for await (const total of good.client.runningTotal([1, 2, 3].map((value) => ({ value })))) totals.push(total.value);
  expect(totals).toEqual([1, 3, 6]);
  Object.assign(probe, newProbe());
}

describe("a service app against a client that abuses stream credit", () => {
  test("credit on a call without a reply stream, and items past the credit granted, each fail that call alone", async () => {
    const { app, probe } = await startCalculator();
    const peer = await handmadeClient(app.endpoints.rpc[0]!);
    // Credit it was not given: `sum` has no reply stream to grant for.
    await peer.request(1, call("Sum", "c1"));
    await peer.onCall(1, { kind: "credit", correlationId: "c1", credit: 1000, payload: [] });
    expect(errorCode(await finalReply(peer.replies, 1))).toContain(RpcStatus.INVALID_ARGUMENT);
    // 100 items where 8 were granted.
    await peer.request(2, call("Sum", "c2"));
    for (let i = 0; i < 100; i++) await peer.onCall(2, { kind: "stream-item", correlationId: "c2", payload: [amount(1)] });
    expect(errorCode(await finalReply(peer.replies, 2))).toContain(RpcStatus.RESOURCE_EXHAUSTED);
    expect(probe.read).toBeLessThanOrEqual(WINDOW);
    await goodClientServed(app, probe, true);
    expect(app.state).toBe("running");
  });

  test("credit and stream items for calls that do not exist, or after a cancel, are dropped alone and memory comes back", async () => {
    const { app, probe } = await startCalculator();
    const peer = await handmadeClient(app.endpoints.rpc[0]!);
    await goodClientServed(app, probe, true);
    const before = await footprint();
    // A bidirectional call, one item, a cancel, then a flood of items and credit for it.
    await peer.request(1, call("RunningTotal", "bidi", [], WINDOW));
    await peer.onCall(1, { kind: "stream-item", correlationId: "bidi", payload: [amount(5)] });
    await until(() => probe.read === 1, "the first item to be read");
    await peer.onCall(1, { kind: "cancel", correlationId: "bidi", payload: [] });
    expect(await within(probe.finished.promise, 10_000, "the handler to end")).toBe(RpcStatus.CANCELLED);
    for (let i = 0; i < 5_000; i++) {
      await peer.onCall(1, { kind: "stream-item", correlationId: "bidi", payload: [amount(i)] });
      await peer.onCall(1, { kind: "credit", correlationId: "bidi", credit: 0xffffffff, payload: [] });
      // Calls never opened: as call messages (no call to reach) and as requests (not a request: answered with an error).
      await peer.onCall(100 + i, { kind: "credit", correlationId: `ghost${i}`, credit: 0xffffffff, payload: [] });
      if (i % 10 === 0) await peer.request(10_000 + i, { kind: "credit", correlationId: `ghost${i}`, credit: 7, payload: [] });
    }
    await until(() => peer.replies.size >= 1 + 500, "the requests that are no requests to be answered", 20_000);
    expect(errorCode((peer.replies.get(10_000))![0]!)).toContain(RpcStatus.INVALID_ARGUMENT);
    expect(probe.read).toBe(1);
    await goodClientServed(app, probe, false);
    peer.socket.close();
    const after = await footprint();
    console.log(`service app vs credit and items for gone calls: ${describeFootprint(before, after)}`);
    expect(after.heap - before.heap).toBeLessThan(HEAP_BOUND);
  });

  test("huge credit from a client that stops reading cannot outrun the socket: the stream fails at the send timeout and memory comes back", async () => {
    const { app, probe } = await startCalculator();
    await goodClientServed(app, probe, true);
    const before = await footprint();
    // A client that reads nothing: its socket stops taking replies at its high-water mark.
    const socket = new Dealer({ linger: 0, receiveHighWaterMark: 10 });
    socket.connect(app.endpoints.rpc[0]!);
    await socket.send([u64(1), ...encodeEnvelope(call("CountTo", "flood", [amount(2 ** 31 - 1)], 0xffffffff))]);
    const flagged = Buffer.concat([u64(1), Buffer.from([CALL_FLAG])]);
    for (let i = 0; i < 100; i++) await socket.send([flagged, ...encodeEnvelope({ kind: "credit", correlationId: "flood", credit: 0xffffffff, payload: [] })]);
    // The good client is served while the flood runs.
    await goodClientServed(app, probe, false);
    await within(probe.finished.promise, 30_000, "the flooding stream to end");
    const produced = probe.produced;
    // Credit past 2^32 - 1 in total is held at that (an envelope carries no more), so the producer ran
    // until the socket pushed back: past the ROUTER's high-water mark (1000), far short of the stream.
    expect(produced).toBeGreaterThan(1_000);
    expect(produced).toBeLessThan(2 ** 31 - 1);
    await until(() => app.inFlight === 0, "the call to be forgotten");
    socket.close();
    const after = await footprint();
    console.log(`service app vs huge credit, not reading: ${produced} items produced before the send timeout; ${describeFootprint(before, after)}`);
    expect(after.heap - before.heap).toBeLessThan(HEAP_BOUND);
  });
});

describe("a service client against a server that abuses stream credit", () => {
  /** A ROUTER that answers each request with what `answer` returns (partial replies are flagged). */
  async function evilServer(answer: (peer: Buffer, id: Buffer, request: Envelope) => Buffer[][]): Promise<string> {
    const router = new Router({ linger: 0 });
    await router.bind(LOOPBACK);
    cleanup.push(() => router.close());
    void (async () => {
      for await (const [peer, id, ...frames] of router) {
        if (id!.length !== 8) continue;
        for (const message of answer(peer!, id!, decodeEnvelope(frames))) await router.send(message);
      }
    })().catch((error: unknown) => {
      if (!router.closed) throw error;
    });
    return router.lastEndpoint!;
  }
  const partial = (peer: Buffer, id: Buffer, envelope: Envelope): Buffer[] => [peer, Buffer.concat([id, Buffer.from([0x01])]), ...encodeEnvelope(envelope)];

  test("more items than the credit fail that stream with RESOURCE_EXHAUSTED; credit on a call without a request stream fails it with INTERNAL", async () => {
    const endpoint = await evilServer((peer, id, request) => {
      const correlationId = request.correlationId!;
      if (request.method === "CountTo") {
        // 100 items where the caller granted 8 (the first says the server honours credit).
        return Array.from({ length: 100 }, (_, i) => partial(peer, id, { kind: "stream-item", correlationId, ...(i === 0 ? { credit: WINDOW } : {}), payload: [amount(i)] }));
      }
      // Credit to a caller that has no request stream (a unary call).
      return [partial(peer, id, { kind: "credit", correlationId, credit: 0xffffffff, payload: [] })];
    });
    const connection = connect(CalculatorService, { endpoints: [endpoint], timeout: 10_000, streamWindow: WINDOW });
    cleanup.push(() => connection.close());
    const read: number[] = [];
    await expect(within((async () => {
      for await (const item of connection.client.countTo({ value: 3 })) read.push(item.value);
    })(), 10_000, "the stream to fail")).rejects.toMatchObject({ code: RpcStatus.RESOURCE_EXHAUSTED });
    expect(read.length).toBeLessThanOrEqual(WINDOW);
    await expect(within(connection.client.double({ value: 1 }), 10_000, "the call to fail")).rejects.toMatchObject({ code: RpcStatus.INTERNAL });
    await until(() => connection.inFlight === 0, "the client to forget both calls");
  });
});
