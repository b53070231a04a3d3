/**
 * How the driver runs one case for one implementation: which workers it
 * forks, in what order it starts them, and how it turns their reports into
 * one sample. Every worker is killed if the case overruns its deadline.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WorkerProcess } from "./worker-process.js";
import type { BenchCase, CaseRun } from "./cases.js";
import type { WorkerReport } from "./worker-channel.js";
import { slope, type LatencySummary } from "./stats.js";
import type { ServiceConfig, ThroughputConfig } from "./workers/config.js";
import type { ServiceImpl } from "./service/contract.js";
import type { ActorBenchConfig } from "./actors/actor-config.js";
import { epgm } from "./epgm-scenario.js";
import { swap } from "./swap-scenario.js";
import { describeWarmUp, type WarmUpSummary } from "./warm-up.js";

/** One measured run of one case for one implementation. */
export interface Sample {
  msgsPerSec: number;
  mbPerSec: number;
  /** Peak RSS of the receiving process, MB. */
  peakRssMb: number;
  latency?: LatencySummary;
  /** Free-form detail (pub/sub delivery ratio, soak slope...). */
  note?: string;
  /** Soak: [seconds, messages, RSS MB] once a second. */
  rssSamples?: Array<[number, number, number]>;
  /** Messages the receiver counted. */
  messages?: number;
  /** Soak: RSS growth in MB per million messages over the second half. */
  rssSlopeMbPerM?: number;
}

/** Timing knobs for one run of the suite. */
export interface RunSettings {
  durationMs: number;
  soakCount: number;
  soakRate: number;
}

let endpointCounter = 0;

/** A fresh endpoint to bind: a free tcp port, or a unique ipc path, or a unique inproc name. */
function bindEndpoint(transport: string): string {
  endpointCounter++;
  if (transport === "ipc") return `ipc://${join(tmpdir(), `skein-bench-${process.pid}-${endpointCounter}.sock`)}`;
  if (transport === "inproc") return `inproc://skein-bench-${endpointCounter}`;
  // libzmq's ws transport takes a single-segment path.
  if (transport === "ws") return "ws://127.0.0.1:0/bench";
  return "tcp://127.0.0.1:0";
}

function sampleFrom(count: number, bytes: number, seconds: number, peakRssMb: number): Sample {
  return { msgsPerSec: count / seconds, mbPerSec: bytes / seconds / 1e6, peakRssMb };
}

/** Runs `body` with a list the workers it forks go into; kills any still alive at the end. */
async function withWorkers<T>(body: (workers: WorkerProcess[]) => Promise<T>): Promise<T> {
  const workers: WorkerProcess[] = [];
  try {
    const result = await body(workers);
    await Promise.all(workers.map((worker) => worker.finish(3000)));
    return result;
  } catch (error) {
    for (const worker of workers) worker.kill();
    throw error;
  }
}

/** Runs one case once for one implementation and returns its sample. */
export function runScenario(benchCase: BenchCase, run: CaseRun, settings: RunSettings): Promise<Sample> {
  // SWAP moves a fixed number of bytes through the disk, whatever the duration.
  const budget = benchCase.kind === "soak" ? 600_000 : benchCase.kind === "swap" ? 120_000 : settings.durationMs * 4 + 20_000;
  const deadline = performance.now() + budget;
  switch (benchCase.kind) {
    case "throughput":
    case "soak":
      return throughput(benchCase, run, settings, deadline);
    case "inproc":
      return inproc(benchCase, run, settings, deadline);
    case "reqrep":
      return reqrep(benchCase, run, settings, deadline);
    case "pubsub":
      return pubsub(benchCase, run, settings, deadline);
    case "router-dealer":
      return routerDealer(benchCase, run, settings, deadline);
    case "service":
      return service(benchCase, run, settings, deadline);
    case "actor":
      return actor(benchCase, run, settings, deadline);
    case "epgm":
      return withWorkers((workers) => epgm(benchCase, run, settings, deadline, workers));
    case "swap":
      return withWorkers((workers) => swap(benchCase, run, settings, deadline, workers));
  }
}

function throughput(c: BenchCase, run: CaseRun, s: RunSettings, deadline: number): Promise<Sample> {
  return withWorkers(async (workers) => {
    const soak = c.kind === "soak";
    const base: ThroughputConfig = {
      impl: run.receiver,
      transport: c.transport,
      endpoint: bindEndpoint(c.transport),
      size: c.size,
      durationMs: soak ? 3_600_000 : s.durationMs,
      maxCount: soak ? s.soakCount : 1e9,
      rate: soak ? s.soakRate : 0,
      sampleRss: soak,
      curve: c.curve === true,
    };
    const receiver = new WorkerProcess("throughput-receiver", base, deadline);
    workers.push(receiver);
    const ready = await receiver.next("ready");
    const sender = new WorkerProcess(
      "throughput-sender",
      { ...base, impl: run.sender, endpoint: ready.endpoint, serverPublicKey: ready.serverPublicKey },
      deadline,
    );
    workers.push(sender);
    const [result] = await Promise.all([receiver.next("result"), sender.next("sent")]);
    sender.send("stop");
    const sample = sampleFrom(result.count as number, result.bytes as number, result.seconds as number, result.peakRssMb as number);
    if (soak) {
      const points = (result.rssSamples as Array<[number, number, number]>) ?? [];
      sample.rssSamples = points;
      sample.messages = result.count as number;
      const secondHalf = points.slice(Math.floor(points.length / 2)).map(([, n, rss]) => [n / 1e6, rss] as const);
      sample.rssSlopeMbPerM = slope(secondHalf);
      const peakSampled = Math.max(0, ...points.map(([, , rss]) => rss));
      sample.note = `${(result.count as number).toLocaleString("en-US")} msgs, paced at most ${s.soakRate.toLocaleString("en-US")}/s; RSS peak ${peakSampled} MB, slope ${sample.rssSlopeMbPerM.toFixed(2)} MB per M msgs (2nd half)`;
    }
    return sample;
  });
}

function inproc(c: BenchCase, run: CaseRun, s: RunSettings, deadline: number): Promise<Sample> {
  return withWorkers(async (workers) => {
    const config: ThroughputConfig = {
      impl: run.sender,
      transport: "inproc",
      endpoint: bindEndpoint("inproc"),
      size: c.size,
      durationMs: s.durationMs,
      maxCount: 1e9,
      rate: 0,
      sampleRss: false,
      curve: false,
    };
    const worker = new WorkerProcess("inproc-throughput", config, deadline);
    workers.push(worker);
    const result = await worker.next("result");
    return sampleFrom(result.count as number, result.bytes as number, result.seconds as number, result.peakRssMb as number);
  });
}

/**
 * Starts a server worker, then a client worker given the endpoint the server
 * reports, and waits for the client's result; the server is still running.
 */
async function serverThenClient(
  workers: WorkerProcess[],
  names: { server: string; client: string },
  config: { impl: string; endpoint: string },
  clientImpl: string,
  deadline: number,
): Promise<{ server: WorkerProcess; result: WorkerReport }> {
  const server = new WorkerProcess(names.server, config, deadline);
  workers.push(server);
  const ready = await server.next("ready");
  const client = new WorkerProcess(names.client, { ...config, impl: clientImpl, endpoint: ready.endpoint }, deadline);
  workers.push(client);
  return { server, result: await client.next("result") };
}

function reqrep(c: BenchCase, run: CaseRun, s: RunSettings, deadline: number): Promise<Sample> {
  return withWorkers(async (workers) => {
    const config = { impl: run.receiver, endpoint: bindEndpoint(c.transport), size: c.size, durationMs: s.durationMs, maxCount: 5_000_000 };
    const { server, result } = await serverThenClient(workers, { server: "reqrep-server", client: "reqrep-client" }, config, run.sender, deadline);
    server.send("stop");
    const sample = sampleFrom(result.count as number, result.bytes as number, result.seconds as number, result.peakRssMb as number);
    sample.latency = result.latency as LatencySummary;
    sample.note = describeWarmUp(result.warmUp as WarmUpSummary);
    return sample;
  });
}

function pubsub(c: BenchCase, run: CaseRun, s: RunSettings, deadline: number): Promise<Sample> {
  return withWorkers(async (workers) => {
    const subscribers = c.subscribers ?? 1;
    const config = { impl: run.sender, endpoint: bindEndpoint(c.transport), size: c.size, durationMs: s.durationMs, maxCount: 1e9, sockets: 0 };
    const publisher = new WorkerProcess("pubsub-publisher", config, deadline);
    workers.push(publisher);
    const ready = await publisher.next("ready");
    // 2 cores: at most 2 subscriber processes, the sockets split between them.
    const processes = Math.min(2, subscribers);
    const subs: WorkerProcess[] = [];
    for (let i = 0; i < processes; i++) {
      const sockets = Math.floor(subscribers / processes) + (i < subscribers % processes ? 1 : 0);
      const sub = new WorkerProcess("pubsub-subscriber", { ...config, impl: run.receiver, endpoint: ready.endpoint, sockets }, deadline);
      subs.push(sub);
      workers.push(sub);
    }
    await Promise.all(subs.map((sub) => sub.next("synced")));
    publisher.send("go");
    const [sent, ...results] = await Promise.all([publisher.next("sent"), ...subs.map((sub) => sub.next("result"))]);
    publisher.send("stop");
    const count = results.reduce((sum, r) => sum + (r.count as number), 0);
    const bytes = results.reduce((sum, r) => sum + (r.bytes as number), 0);
    const seconds = Math.max(...results.map((r) => r.seconds as number));
    const rss = Math.max(...results.map((r) => r.peakRssMb as number));
    const wrong = results.reduce((sum, r) => sum + (r.wrongTopic as number), 0);
    const expected = (sent.matching as number) * subscribers;
    const sample = sampleFrom(count, bytes, seconds, rss);
    sample.note = `published ${Math.round((sent.sent as number) / (sent.seconds as number)).toLocaleString("en-US")}/s, delivered ${((100 * count) / expected).toFixed(1)}% of matching${wrong > 0 ? `, ${wrong} unsubscribed delivered` : ""}`;
    return sample;
  });
}

function routerDealer(c: BenchCase, run: CaseRun, s: RunSettings, deadline: number): Promise<Sample> {
  return withWorkers(async (workers) => {
    const config = { impl: run.receiver, endpoint: bindEndpoint(c.transport), size: c.size, durationMs: s.durationMs, clients: c.clients ?? 16, window: 4 };
    const { server, result } = await serverThenClient(workers, { server: "router-server", client: "dealer-clients" }, config, run.sender, deadline);
    server.send("stop");
    const sample = sampleFrom(result.count as number, result.bytes as number, result.seconds as number, result.peakRssMb as number);
    sample.note = `round trips/s over ${config.clients} clients, ${config.window} in flight each`;
    return sample;
  });
}

/**
 * A framework's greeter server and a client process keeping calls going.
 * msgs/s is calls per second (stream items per second for a streaming
 * case); the RSS column is the client's, the note gives the server's.
 */
function service(c: BenchCase, run: CaseRun, s: RunSettings, deadline: number): Promise<Sample> {
  return withWorkers(async (workers) => {
    const shape = c.service ?? { shape: "unary", inFlight: 1, streamItems: 0 };
    const config: ServiceConfig = { impl: run.receiver as ServiceImpl, endpoint: "", ...shape, durationMs: s.durationMs };
    const { server, result } = await serverThenClient(workers, { server: "service-server", client: "service-client" }, config, run.sender, deadline);
    server.send("stop");
    const stopped = await server.next("stopped");
    const calls = result.count as number;
    const seconds = result.seconds as number;
    const streaming = shape.shape === "stream";
    const sample = sampleFrom(streaming ? (result.items as number) : calls, 0, seconds, result.peakRssMb as number);
    sample.mbPerSec = Number.NaN;
    sample.latency = result.latency as LatencySummary;
    const perCall = streaming ? `${Math.round(calls / seconds).toLocaleString("en-US")} calls/s of ${shape.streamItems} items; ` : "";
    sample.note = `${perCall}server RSS ${(stopped.peakRssMb as number).toFixed(0)} MB; ${describeWarmUp(result.warmUp as WarmUpSummary)}`;
    return sample;
  });
}

/** Busy-work iterations of one CPU-bound actor turn: about a millisecond on a 2020s core. */
const ACTOR_CPU_ITERATIONS = 1_000_000;

function actor(c: BenchCase, run: CaseRun, s: RunSettings, deadline: number): Promise<Sample> {
  return withWorkers(async (workers) => {
    const config: ActorBenchConfig = {
      impl: run.sender,
      placement: c.placement!,
      durationMs: s.durationMs,
      concurrency: 32,
      iterations: ACTOR_CPU_ITERATIONS,
    };
    const worker = new WorkerProcess("actor-bench", config, deadline);
    workers.push(worker);
    const result = await worker.next("result");
    const sample = sampleFrom(result.count as number, 0, result.seconds as number, result.peakRssMb as number);
    sample.latency = result.latency as LatencySummary;
    return sample;
  });
}
