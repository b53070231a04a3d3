/**
 * The SWAP cases: a PUSH with `swapDirectory` set spills `count` messages
 * beyond its `sendHighWaterMark` while no peer is there (`swap spill`:
 * msgs/s is messages written to disk a second), and, for `swap drain`, a
 * PULL in another process then binds and takes them all (msgs/s from the
 * bind to the last message: from disk through TCP to the peer), each
 * checked for its sequence number. skein only: no other ZeroMQ
 * implementation has SWAP since libzmq 3.0.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchCase, CaseRun } from "./cases.js";
import type { RunSettings, Sample } from "./scenarios.js";
import { freePort } from "./service/contract.js";
import { WorkerFailedError, WorkerProcess } from "./worker-process.js";
import type { SwapConfig } from "./workers/config.js";

/** Messages the pipe holds before the spill starts: 1000, or fewer so that they are at most 1 MiB. */
function swapHighWaterMark(size: number): number {
  return Math.max(16, Math.min(1000, Math.floor(1048576 / size)));
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(bytes >= 1048576 ? 0 : 2)} MiB`;

/** Runs the case once; `workers` is the driver's list (killed on failure). */
export async function swap(c: BenchCase, run: CaseRun, _s: RunSettings, deadline: number, workers: WorkerProcess[]): Promise<Sample> {
  const shape = c.swap!;
  const directory = mkdtempSync(join(tmpdir(), "skein-bench-swap-"));
  try {
    const config: SwapConfig = {
      impl: run.sender,
      endpoint: `tcp://127.0.0.1:${await freePort()}`,
      size: c.size,
      count: Math.ceil(shape.bytes / c.size),
      sendHighWaterMark: swapHighWaterMark(c.size),
      directory,
      durable: shape.durable,
    };
    const sender = new WorkerProcess("swap-sender", config, deadline);
    workers.push(sender);
    const spilled = await sender.next("spilled");
    if ((spilled.spilled as number) !== config.count) throw new WorkerFailedError(`spilled ${spilled.spilled as number} of ${config.count} messages`);
    const spillRate = config.count / (spilled.seconds as number);
    const what = `${config.count.toLocaleString("en-US")} msgs (${mib(config.count * c.size)}) beyond HWM ${config.sendHighWaterMark}${shape.durable ? ", durable (fdatasync each)" : ""}`;
    if (shape.phase === "spill") {
      sender.send("stop");
      await sender.next("stopped");
      return { msgsPerSec: spillRate, mbPerSec: (spilled.bytes as number) / (spilled.seconds as number) / 1e6, peakRssMb: spilled.peakRssMb as number, note: `spilled ${what}; RSS is the sender's` };
    }
    const receiver = new WorkerProcess("swap-receiver", { ...config, impl: run.receiver }, deadline);
    workers.push(receiver);
    const result = await receiver.next("result");
    sender.send("stop");
    const stopped = await sender.next("stopped");
    const segmentsLeft = readdirSync(directory).filter((name) => name.endsWith(".skswap")).length;
    const outOfOrder = result.outOfOrder as number;
    if (outOfOrder > 0 || (stopped.drained as number) !== config.count || segmentsLeft > 0) {
      throw new WorkerFailedError(`drain lost order or data: ${outOfOrder} out of order, drained ${stopped.drained as number} of ${config.count}, ${segmentsLeft} segment(s) left`);
    }
    const seconds = result.seconds as number;
    return {
      msgsPerSec: (result.count as number) / seconds,
      mbPerSec: (result.bytes as number) / seconds / 1e6,
      peakRssMb: result.peakRssMb as number,
      note: `drained ${what}, every one in order, segments deleted; spill ran at ${Math.round(spillRate).toLocaleString("en-US")} msgs/s`,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
