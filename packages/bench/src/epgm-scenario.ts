/**
 * The epgm:// PUB/SUB case: an XPUB (with `noDrop`, paced by PGM's `rate`)
 * and a SUB in two processes, on one multicast group over the loopback
 * interface. msgs/s is what the subscriber received, from its first data
 * message to its last; the note gives the share delivered, messages lost or
 * out of order (by sequence number) and the PGM counters. A machine where
 * multicast does not loop back (no multicast route) makes the row n/a.
 */
import { createSocket } from "node:dgram";
import type { BenchCase, CaseRun } from "./cases.js";
import type { Sample, RunSettings } from "./scenarios.js";
import { UnavailableError, WorkerProcess } from "./worker-process.js";
import type { EpgmConfig } from "./workers/config.js";
import type { PgmStatistics } from "@skein/core";

/** Interface the case multicasts on: loopback, so it needs no network. */
export const EPGM_INTERFACE = "127.0.0.1";
/** How long the subscriber may take to see the publisher's first probe before the case is n/a. */
const JOIN_LIMIT_MS = 5000;

let groupCounter = 0;

/** A UDP port free on this host now (PGM's data port is the UDP port of the encapsulation). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", (error) => reject(new UnavailableError(`no UDP on ${EPGM_INTERFACE}: ${error.message}`)));
    socket.bind(0, EPGM_INTERFACE, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A fresh `epgm://127.0.0.1;239.192.x.y:port`: a group and port of this run alone. */
async function epgmEndpoint(): Promise<string> {
  groupCounter++;
  return `epgm://${EPGM_INTERFACE};239.192.${process.pid & 0xff}.${groupCounter & 0xff}:${await freeUdpPort()}`;
}

/** Resolves when `worker` reports `kind`, or rejects with {@link UnavailableError} after `limitMs`. */
async function withinOrUnavailable(worker: WorkerProcess, kind: string, limitMs: number, reason: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(reason)), limitMs);
  });
  try {
    await Promise.race([worker.next(kind), limit]);
  } finally {
    clearTimeout(timer);
  }
}

const mbit = (kbits: number): string => `${(kbits / 1000).toLocaleString("en-US")} Mbit/s`;

/** Runs the case once; `withWorkers` is the driver's (kills what is left on failure). */
export async function epgm(c: BenchCase, run: CaseRun, s: RunSettings, deadline: number, workers: WorkerProcess[]): Promise<Sample> {
  const rate = c.epgm!.rate;
  const config: EpgmConfig = { impl: run.sender, endpoint: await epgmEndpoint(), size: c.size, durationMs: s.durationMs, rate };
  const subscriber = new WorkerProcess("epgm-subscriber", { ...config, impl: run.receiver }, deadline);
  workers.push(subscriber);
  await subscriber.next("ready");
  const publisher = new WorkerProcess("epgm-publisher", config, deadline);
  workers.push(publisher);
  await publisher.next("ready");
  await withinOrUnavailable(
    subscriber,
    "synced",
    JOIN_LIMIT_MS,
    `no multicast delivery on ${EPGM_INTERFACE} within ${JOIN_LIMIT_MS / 1000} s (no multicast route, or multicast loop off)`,
  );
  publisher.send("go");
  const [sent, result] = await Promise.all([publisher.next("sent"), subscriber.next("result")]);
  publisher.send("stop");
  const stopped = await publisher.next("stopped");
  const count = result.count as number;
  const published = sent.sent as number;
  const rx = result.statistics as PgmStatistics | null;
  const tx = stopped.statistics as PgmStatistics | null;
  const sample: Sample = {
    msgsPerSec: count / (result.seconds as number),
    mbPerSec: (result.bytes as number) / (result.seconds as number) / 1e6,
    peakRssMb: result.peakRssMb as number,
  };
  const missing = published - count;
  const order = (result.outOfOrder as number) === 0 ? "in order" : `${result.outOfOrder as number} out of order`;
  const counters =
    rx === null || tx === null
      ? ""
      : `; rx lost ${rx.lost}, NAKs ${rx.naksSent}, repairs ${rx.repairsReceived}, queue full ${rx.queueFull}; tx repairs ${tx.repairsSent}, packets ${tx.dataSent}`;
  sample.note =
    // A count, not a rate: the first sendHighWaterMark messages go into the socket at once, whatever `rate` allows.
    `rate ${mbit(rate)}; ${published.toLocaleString("en-US")} published, ` +
    `delivered ${((100 * count) / published).toFixed(1)}% ${order}${missing > 0 ? `, ${missing} missing` : ""}${counters}`;
  return sample;
}
