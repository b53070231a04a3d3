/**
 * SWAP: messages beyond the send high-water mark spill to disk and drain in
 * order (src/swap.ts, src/swap-file.ts, docs/swap.md).
 */
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { freeAddress, socketScope, until, within } from "../helpers.js";
import { mb, settledExternal, settledHeap } from "../hostile/measure.js";

const open = socketScope();

/** A fresh directory, removed after the test's sockets are closed. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "skein-swap-"));
  open.defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function segments(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith(".skswap")).sort();
}

/** Message `i`: its number, then `size - 4` bytes derived from it. */
function numbered(i: number, size: number): Buffer {
  const buf = Buffer.alloc(size, i & 0xff);
  buf.writeUInt32BE(i, 0);
  return buf;
}

/** Total bytes spilled by the slow-consumer test (`SKEIN_SWAP_BYTES`; `pnpm swap:gb` runs 1 GiB). */
const SPILL_BYTES = Number(process.env.SKEIN_SWAP_BYTES ?? 64 * 1024 * 1024);

describe("SWAP", () => {
  it(`spills ${mb(SPILL_BYTES)} beyond the HWM to disk with a flat heap, loses nothing and keeps order`, async () => {
    const dir = tempDir();
    const size = 64 * 1024;
    const count = Math.ceil(SPILL_BYTES / size);
    const address = await freeAddress("tcp");
    const push = open(new Push({ sendHighWaterMark: 16, swapDirectory: dir, swapMaxBytes: SPILL_BYTES * 2 }));
    push.connect(address);
    // No peer yet: the pipe fills at the HWM and every further message goes to disk.
    const before = await settledHeap();
    const externalBefore = await settledExternal();
    const started = performance.now();
    for (let i = 0; i < count; i++) await push.send(numbered(i, size));
    const spillMs = performance.now() - started;
    const spilledHeap = await settledHeap();
    const spilledExternal = await settledExternal();
    const stats = push.swapStats!;
    expect(stats.spilled).toBe(count - 16);
    expect(push.swapLength).toBe(count - 16);
    const pull = open(new Pull({ receiveHighWaterMark: 16 }));
    await pull.bind(address);
    const drainStart = performance.now();
    let maxHeap = spilledHeap;
    for (let i = 0; i < count; i++) {
      const [frame] = await pull.receive();
      if (frame!.readUInt32BE(0) !== i) expect(frame!.readUInt32BE(0)).toBe(i);
      if (frame!.length !== size || frame![size - 1] !== (i & 0xff)) expect(frame!.length).toBe(size);
      if (i % Math.ceil(count / 8) === 0) maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
    }
    const drainMs = performance.now() - drainStart;
    const after = await settledHeap();
    console.log(
      `swap: spilled ${mb(count * size)} (${count} msgs) in ${spillMs.toFixed(0)} ms, drained in ${drainMs.toFixed(0)} ms; ` +
        `heap before ${mb(before)}, after spilling ${mb(spilledHeap)} (Buffers outside the heap ${mb(externalBefore)} -> ${mb(spilledExternal)}), peak sampled ${mb(maxHeap)}, after draining ${mb(after)}`,
    );
    // Flat: what is on disk is not in the heap (a 64 MiB spill held in memory would be 64+ MiB).
    expect(spilledHeap - before).toBeLessThan(24 * 1024 * 1024);
    expect(spilledExternal - externalBefore).toBeLessThan(24 * 1024 * 1024);
    expect(after - before).toBeLessThan(24 * 1024 * 1024);
    expect(push.swapStats!.drained).toBe(count - 16);
    expect(push.swapLength).toBe(0);
    // Every segment is deleted once sent.
    expect(segments(dir)).toEqual([]);
  }, 600_000);

  it("sends after what is spilled: a newer message never overtakes the spill", async () => {
    const dir = tempDir();
    const address = await freeAddress("tcp");
    const push = open(new Push({ sendHighWaterMark: 2, swapDirectory: dir }));
    push.connect(address);
    for (let i = 0; i < 10; i++) await push.send(numbered(i, 16));
    expect(push.swapLength).toBe(8);
    const pull = open(new Pull({ receiveHighWaterMark: 1 }));
    await pull.bind(address);
    const got: number[] = [];
    const sending = (async () => {
      for (let i = 10; i < 20; i++) await push.send(numbered(i, 16));
    })();
    for (let i = 0; i < 20; i++) got.push((await pull.receive())[0]!.readUInt32BE(0));
    await sending;
    expect(got).toEqual([...Array(20).keys()]);
  });

  it("queues a message sent the moment a peer takes one behind the spill, not in the room just made", async () => {
    // inproc: the peer's receive() makes room in the pipe at once, and the send in the same turn
    // comes before the socket drains the spill into that room (a microtask later).
    const dir = tempDir();
    const address = `inproc://swap-overtake-${process.pid}-${Date.now()}`;
    const pull = open(new Pull({ receiveHighWaterMark: 1 }));
    await pull.bind(address);
    const push = open(new Push({ sendHighWaterMark: 1, swapDirectory: dir }));
    push.connect(address);
    let next = 0;
    for (; next < 12; next++) await push.send(numbered(next, 16));
    expect(push.swapLength).toBeGreaterThan(6);
    const got: number[] = [];
    // Take one each turn, send one every other turn: the spill shrinks through every length down to 0.
    for (let turn = 0; got.length < next; turn++) {
      const taking = pull.receive();
      if (turn % 2 === 0 && next < 24) await push.send(numbered(next++, 16));
      got.push((await within(taking, 5000, `message ${got.length}`))[0]!.readUInt32BE(0));
    }
    expect(got).toEqual([...Array(next).keys()]);
    expect(push.swapLength).toBe(0);
  });

  it("keeps the HWM behaviour once swapMaxBytes is reached: send() waits (EAGAIN with sendTimeout 0)", async () => {
    const dir = tempDir();
    const address = await freeAddress("tcp");
    const record = 8 + 4 + 4 + 100;
    const push = open(new Push({ sendHighWaterMark: 1, sendTimeout: 0, swapDirectory: dir, swapMaxBytes: record * 3 }));
    push.connect(address);
    await push.send(numbered(0, 100)); // the pipe
    for (let i = 1; i <= 3; i++) await push.send(numbered(i, 100)); // the disk
    await expect(push.send(numbered(4, 100))).rejects.toMatchObject({ code: "EAGAIN" });
    expect(push.swapLength).toBe(3);
  });

  it("keeps multipart messages whole, empty frames included", async () => {
    const dir = tempDir();
    const address = await freeAddress("tcp");
    const push = open(new Push({ sendHighWaterMark: 1, swapDirectory: dir }));
    push.connect(address);
    const msgs = [[Buffer.from("a"), Buffer.alloc(0), Buffer.from("c")], [Buffer.alloc(0)], [Buffer.from("x"), Buffer.alloc(70_000, 7)]];
    for (const msg of msgs) await push.send(msg);
    const pull = open(new Pull());
    await pull.bind(address);
    for (const msg of msgs) expect(await pull.receive()).toEqual(msg);
  });

  it("not durable: drops an earlier run's segments instead of sending them", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "0000000000000001.skswap"), "SKSWAP01 stale");
    const push = open(new Push({ swapDirectory: dir }));
    push.connect(await freeAddress("tcp"));
    await push.send("x");
    expect(segments(dir)).toEqual([]);
    expect(push.swapStats!.recovered).toBe(0);
  });

  it("not durable: close() deletes what is still spilled, as a closed socket drops its queues", async () => {
    const dir = tempDir();
    const push = new Push({ sendHighWaterMark: 1, swapDirectory: dir, linger: 0 });
    push.connect(await freeAddress("tcp"));
    for (let i = 0; i < 20; i++) await push.send(numbered(i, 2000));
    expect(push.swapLength).toBe(19);
    expect(segments(dir).length).toBe(1);
    push.close();
    expect(segments(dir)).toEqual([]);
  });

  describe("durable", () => {
    it("cuts a torn record at the end and a corrupt one, sends what is whole, in order", async () => {
      const dir = tempDir();
      const address = await freeAddress("tcp");
      const first = new Push({ sendHighWaterMark: 1, swapDirectory: dir, swapDurable: true, linger: 0 });
      first.connect(address);
      for (let i = 0; i < 11; i++) await first.send(numbered(i, 32));
      first.close();
      // msg 0 was in the pipe (lost with it); 1..10 are on disk.
      const [name] = segments(dir);
      const path = join(dir, name!);
      const whole = readFileSync(path);
      const recordSize = 8 + 4 + 4 + 32;
      expect(whole.length).toBe(8 + 10 * recordSize);
      // Corrupt a byte inside record 8 (msg 9): it and what follows are cut, never parsed.
      const corrupt = Buffer.from(whole);
      corrupt[8 + 8 * recordSize + 20]! ^= 0xff;
      writeFileSync(path, corrupt);
      // And a torn record after it, as a crash mid-write leaves.
      appendFileSync(path, Buffer.from([0, 0, 0, 44, 1, 2]));
      const second = open(new Push({ sendHighWaterMark: 1, swapDirectory: dir, swapDurable: true }));
      const pull = open(new Pull());
      await pull.bind(address);
      second.connect(address);
      const got: number[] = [];
      for (let i = 0; i < 8; i++) got.push((await within(pull.receive(), 5000, `message ${i}`))[0]!.readUInt32BE(0));
      expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(second.swapStats).toMatchObject({ recovered: 8, cutBytes: 2 * recordSize + 6 });
      await until(() => segments(dir).length === 0, "segments deleted once sent");
    });

    it("a record corrupted on disk while the socket runs is not parsed: the rest of the spill is discarded and counted", async () => {
      const dir = tempDir();
      const address = await freeAddress("tcp");
      const push = open(new Push({ sendHighWaterMark: 1, swapDirectory: dir, swapDurable: true }));
      push.connect(address);
      for (let i = 0; i < 6; i++) await push.send(numbered(i, 32));
      const path = join(dir, segments(dir)[0]!);
      const recordSize = 8 + 4 + 4 + 32;
      const bytes = readFileSync(path);
      bytes[8 + 2 * recordSize + 30]! ^= 0xff; // inside msg 3
      writeFileSync(path, bytes);
      const warned = new Promise<string>((resolve) => process.once("warning", (w) => resolve(w.message)));
      const pull = open(new Pull());
      await pull.bind(address);
      const got: number[] = [];
      for (let i = 0; i < 3; i++) got.push((await within(pull.receive(), 5000, `message ${i}`))[0]!.readUInt32BE(0));
      expect(got).toEqual([0, 1, 2]);
      expect(await within(warned, 5000, "warning")).toMatch(/SWAP spill discarded/);
      expect(push.swapStats).toMatchObject({ discarded: 3, lastError: expect.objectContaining({ code: "EIO" }) });
      await push.send(numbered(99, 32));
      expect((await within(pull.receive(), 5000, "after discard"))[0]!.readUInt32BE(0)).toBe(99);
    });

    it("a length field claiming more than the file is cut, not allocated", async () => {
      const dir = tempDir();
      const header = Buffer.alloc(8);
      header.writeUInt32BE(0xfffffff0, 0);
      writeFileSync(join(dir, "0000000000000001.skswap"), Buffer.concat([Buffer.from("SKSWAP01"), header, Buffer.alloc(100)]));
      writeFileSync(join(dir, "0000000000000002.skswap"), Buffer.from("garbage"));
      const push = open(new Push({ swapDirectory: dir, swapDurable: true }));
      push.connect(await freeAddress("tcp"));
      await push.send("after");
      expect(push.swapStats).toMatchObject({ recovered: 0, cutBytes: 108 + 7 });
    });

    it("survives SIGKILL: a restarted process sends every spilled message first, in order", async () => {
      const dir = tempDir();
      const address = await freeAddress("tcp");
      const coreEntry = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
      const count = 500;
      const program = `
        const push = new zmq.Push({ sendHighWaterMark: 1, swapDirectory: ${JSON.stringify(dir)}, swapDurable: true });
        push.connect(${JSON.stringify(address)});
        const start = Number(process.argv[1]);
        for (let i = start; i < start + ${count}; i++) { const b = Buffer.alloc(8); b.writeUInt32BE(i); await push.send(b); }
        console.log("spilled " + push.swapLength);
        setInterval(() => {}, 1000);
      `;
      const run = (start: number) => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", `import * as zmq from ${JSON.stringify(coreEntry)};\n${program}`, String(start)], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        const printed = new Promise<string>((resolve, reject) => {
          child.stdout.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes("\n")) resolve(out);
          });
          child.once("exit", () => reject(new Error(`child exited: ${out}`)));
        });
        const exited = new Promise((resolve) => child.once("exit", resolve));
        return { child, printed, exited };
      };
      const first = run(0);
      expect(await within(first.printed, 20_000, "first run")).toContain(`spilled ${count - 1}`);
      first.child.kill("SIGKILL");
      await first.exited;
      // The restarted process spills its own messages behind the recovered ones.
      const second = run(count);
      await within(second.printed, 20_000, "second run");
      const pull = open(new Pull());
      await pull.bind(address);
      const got: number[] = [];
      // Message 0 sat in the first process's pipe, in memory, when it was killed.
      for (let i = 1; i < 2 * count; i++) got.push((await within(pull.receive(), 10_000, `message ${i}`))[0]!.readUInt32BE(0));
      second.child.kill("SIGKILL");
      await second.exited;
      expect(got).toEqual(Array.from({ length: 2 * count - 1 }, (_, i) => i + 1));
    }, 60_000);
  });
});
