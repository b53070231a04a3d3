/**
 * SWAP throughput (docs/benchmarks.md, "SWAP"): how fast a PUSH socket spills
 * messages beyond its send HWM to disk while no peer takes them, and how fast
 * it drains them to a PULL peer that then binds. skein only: no other ZeroMQ
 * implementation has SWAP since libzmq 3.0.
 *
 *     node dist/swap.js [totalMiB=256] [durable]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pull, Push } from "@skein/core";
import { freePort } from "./service/contract.js";

interface Row {
  size: number;
  count: number;
  spillMsgsPerSec: number;
  spillMBps: number;
  drainMsgsPerSec: number;
  drainMBps: number;
}

async function measure(size: number, totalBytes: number, durable: boolean): Promise<Row> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "skein-swap-bench-"));
  const count = durable ? Math.min(20_000, Math.ceil(totalBytes / size)) : Math.ceil(totalBytes / size);
  const address = `tcp://127.0.0.1:${port}`;
  const push = new Push({ sendHighWaterMark: 1000, swapDirectory: dir, swapDurable: durable, swapMaxBytes: Number.MAX_SAFE_INTEGER, linger: 0 });
  push.connect(address);
  const payload = Buffer.alloc(size, 1);
  try {
    const spillStart = performance.now();
    for (let i = 0; i < count; i++) await push.send(payload);
    const spillSec = (performance.now() - spillStart) / 1000;
    const spilled = push.swapStats?.spilled ?? 0;
    const pull = new Pull({ receiveHighWaterMark: 1000 });
    const drainStart = performance.now();
    await pull.bind(address);
    for (let i = 0; i < count; i++) await pull.receive();
    const drainSec = (performance.now() - drainStart) / 1000;
    pull.close();
    return {
      size,
      count,
      spillMsgsPerSec: spilled / spillSec,
      spillMBps: (spilled * size) / spillSec / 1048576,
      drainMsgsPerSec: count / drainSec,
      drainMBps: (count * size) / drainSec / 1048576,
    };
  } finally {
    push.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const totalBytes = Number(process.argv[2] ?? 256) * 1048576;
const durable = process.argv[3] === "durable";
console.log(`| size | messages | spilled msg/s | spilled MB/s | drained msg/s | drained MB/s |${durable ? " (durable)" : ""}`);
console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
for (const size of [16, 1024, 65536]) {
  const total = size === 16 ? Math.min(totalBytes, 32 * 1048576) : totalBytes;
  const row = await measure(size, total, durable);
  const f = (n: number): string => Math.round(n).toLocaleString("en-US");
  console.log(`| ${size} B | ${f(row.count)} | ${f(row.spillMsgsPerSec)} | ${row.spillMBps.toFixed(1)} | ${f(row.drainMsgsPerSec)} | ${row.drainMBps.toFixed(1)} |`);
}
