/**
 * The engine batches frames into few writes and the decoder hands out views
 * into read chunks: these tests check that batching never reorders, splits
 * or loses messages, and that back-pressure still works underneath it.
 */
import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { STREAM_TRANSPORTS, TRANSPORTS, bindFresh, freeAddress, nextEvent, socketScope, strings, within } from "../helpers.js";

const open = socketScope();

describe.each(STREAM_TRANSPORTS)("Batching over %s", (transport) => {
  it("delivers 100k small messages complete and in order", async () => {
    const pull = open(new Pull());
    const push = open(new Push());
    push.connect(await bindFresh(pull, transport));
    const total = 100_000;
    const sending = (async () => {
      for (let i = 0; i < total; i++) await push.send(`${i}`);
    })();
    let expected = 0;
    let wrong = 0;
    for await (const [msg] of pull) {
      if (msg!.toString() !== String(expected)) wrong++;
      if (++expected === total) break;
    }
    await within(sending, 20_000, "sends");
    expect(wrong).toBe(0);
    expect(expected).toBe(total);
  });

  it("keeps multipart messages atomic when interleaved with large ones", async () => {
    const pull = open(new Pull());
    const push = open(new Push());
    push.connect(await bindFresh(pull, transport));
    const large = (i: number) => Buffer.alloc(300_000 + i, i & 0xff);
    const rounds = 60;
    const sending = (async () => {
      for (let i = 0; i < rounds; i++) {
        await push.send(["head", String(i), Buffer.alloc(0), "tail"]);
        await push.send([large(i)]);
        await push.send([String(i), large(i), String(i)]);
      }
    })();
    for (let i = 0; i < rounds; i++) {
      const small = await within(pull.receive());
      expect(small.map(String)).toEqual(["head", String(i), "", "tail"]);
      const [big] = await within(pull.receive());
      expect(big!.length).toBe(300_000 + i);
      expect(big![0]).toBe(i & 0xff);
      expect(big![big!.length - 1]).toBe(i & 0xff);
      const mixed = await within(pull.receive());
      expect(mixed).toHaveLength(3);
      expect(mixed[0]!.toString()).toBe(String(i));
      expect(mixed[1]!.length).toBe(300_000 + i);
      expect(mixed[2]!.toString()).toBe(String(i));
    }
    await within(sending, 20_000, "sends");
  });
});

describe.each(STREAM_TRANSPORTS)("One-frame sends encoded at once over %s", (transport) => {
  it("keep their place among messages queued in the pipe (multipart, large, sent while backed up)", async () => {
    const pull = open(new Pull({ receiveHighWaterMark: 10 }));
    const push = open(new Push({ sendHighWaterMark: 10 }));
    push.connect(await bindFresh(pull, transport));
    const total = 3000;
    const large = Buffer.alloc(64 * 1024, 0x6c);
    // A PUSH encodes a one-frame Buffer at once only while its pipe is empty and the connection
    // takes more; multipart and large messages always go through the pipe. Large ones back the
    // connection up, so one-frame sends are queued behind them too.
    const sending = (async () => {
      for (let i = 0; i < total; i++) {
        if (i % 3 === 0) await push.send([String(i), "more"]);
        else if (i % 50 === 1) await push.send(Buffer.concat([Buffer.from(`${i}:`), large]));
        else await push.send(Buffer.from(String(i)));
      }
    })();
    for (let i = 0; i < total; i++) {
      const msg = await within(pull.receive(), 10_000, `message ${i}`);
      const first = msg[0]!;
      if (i % 3 === 0) expect(strings(msg)).toEqual([String(i), "more"]);
      else if (i % 50 === 1) expect([first.length, first.subarray(0, first.indexOf(":")).toString()]).toEqual([large.length + `${i}:`.length, String(i)]);
      else expect(strings(msg)).toEqual([String(i)]);
    }
    await within(sending, 20_000, "sends");
  });

  it("copy a small Buffer at send(), queued or encoded: the sender may reuse it at once", async () => {
    const pull = open(new Pull());
    const push = open(new Push());
    const address = await freeAddress(transport);
    push.connect(address);
    const reused = Buffer.alloc(8);
    const send = async (i: number): Promise<void> => {
      reused.writeDoubleBE(i);
      await push.send(reused);
    };
    // Before the connection exists the pipe queues them; after it, the engine encodes them at once.
    for (let i = 0; i < 100; i++) await send(i);
    await pull.bind(address);
    for (let i = 0; i < 100; i++) expect((await within(pull.receive()))[0]!.readDoubleBE()).toBe(i);
    for (let i = 100; i < 1100; i++) await send(i);
    for (let i = 100; i < 1100; i++) expect((await within(pull.receive()))[0]!.readDoubleBE()).toBe(i);
  });
});

describe.each(TRANSPORTS)("Back-pressure over %s", (transport) => {
  it("PUSH send() eventually waits when the PULL does not read, and every message arrives once it does", async () => {
    const pull = open(new Pull({ receiveHighWaterMark: 10 }));
    const push = open(new Push({ sendHighWaterMark: 10, sendTimeout: 100 }));
    const address = await bindFresh(pull, transport);
    const ready = transport === "inproc" ? Promise.resolve() : nextEvent(push, "handshake");
    push.connect(address);
    await ready;
    const body = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    let error: { code?: string } | null = null;
    // Bounded: kernel buffers hold some megabytes at most.
    while (sent < 20_000) {
      try {
        await push.send([String(sent), body]);
        sent++;
      } catch (e) {
        error = e as { code?: string };
        break;
      }
    }
    expect(error?.code).toBe("EAGAIN");
    expect(sent).toBeLessThan(20_000);
    for (let i = 0; i < sent; i++) {
      const [n, data] = await within(pull.receive());
      expect(n!.toString()).toBe(String(i));
      expect(data!.length).toBe(body.length);
    }
    await push.send(["after", body]);
    expect((await within(pull.receive()))[0]!.toString()).toBe("after");
  });
});
