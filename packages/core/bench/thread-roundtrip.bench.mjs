// Benchmark (not a test): where a request/reply round trip between two worker threads spends its
// time. One 16 B message goes to a worker and comes back, ROUND_TRIPS times in a row (no window),
// by each of:
//   - MessagePort.postMessage (structured clone), the bare wake-up of a port,
//   - BroadcastChannel.postMessage on a channel only the two threads use,
//   - a SharedArrayBuffer counter with Atomics.notify / Atomics.waitAsync (the bare wake-up of a wait),
//   - the same counter, with the reader looking again after one setImmediate before it waits,
//   - the same counter, with the reader blocking in Atomics.wait for up to 50 µs before it waits
//     asynchronously (a variant measured and not used: it blocks the reader's event loop),
//   - the rings of thread-ring.ts on their own, read as thread-link.ts reads them (look again, then wait),
//   - skein REQ/REP over inproc:// across the two threads (thread-ring.ts + thread-link.ts),
//   - skein DEALER/ROUTER over inproc:// across the two threads,
//   - skein REQ/REP over inproc:// within one thread (the reference: no thread crossed).
// It prints, as medians over the repeats (interleaved): round trips/s, p50 and p99 in µs, and the
// process's CPU time per round trip (both threads: process.cpuUsage()), with the load average.
// Run from the repo root after `pnpm build`:
//   node packages/core/bench/thread-roundtrip.bench.mjs [--repeat 3] [--only skein]
// It never fails on timing.
import { echoPeer, serveEcho, startWorker as startPeerWorker } from "./thread-bench-peers.mjs";
import { BroadcastChannel, MessageChannel, isMainThread, parentPort, workerData } from "node:worker_threads";
import { loadavg } from "node:os";

const dist = new URL("../dist/", import.meta.url);
const zmq = await import(new URL("index.js", dist).href);
const ring = await import(new URL("transport/thread-ring.js", dist).href);

const ROUND_TRIPS = 5_000;
const WARM_UP = 500;
let names = 0;

if (!isMainThread) await worker(workerData);
else await main();

async function main() {
  const arg = (name, fallback) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? process.argv[at + 1] : fallback;
  };
  const repeats = Number(arg("--repeat", "3"));
  const only = arg("--only", "");
  const cases = [
    ["MessagePort ping-pong", portPingPong],
    ["BroadcastChannel ping-pong", broadcastPingPong],
    ["SAB notify/waitAsync", () => sabPingPong(false)],
    ["SAB setImmediate, then waitAsync", () => sabPingPong(true)],
    ["SAB Atomics.wait 50 µs, then waitAsync", () => sabPingPong("block")],
    ["thread-ring.ts alone, 2 threads", ringPingPong],
    ["skein REQ/REP inproc, 2 threads", () => skeinReqRep(true)],
    ["skein DEALER/ROUTER inproc, 2 threads", skeinDealerRouter],
    ["skein REQ/REP inproc, 1 thread", () => skeinReqRep(false)],
  ].filter(([name]) => name.includes(only));
  const results = new Map();
  const load = [];
  for (let r = 0; r < repeats; r++) {
    for (const [name, run] of cases) {
      load.push(loadavg()[0]);
      const value = await run();
      console.error(`  ${name}: ${Math.round(value.rate)}/s p50 ${value.p50.toFixed(1)} µs cpu ${value.cpu.toFixed(1)} µs`);
      if (!results.has(name)) results.set(name, []);
      results.get(name).push(value);
    }
  }
  console.log(`node ${process.version}, ${repeats} repeats, medians; load average (1 min) ${Math.min(...load).toFixed(2)}..${Math.max(...load).toFixed(2)}`);
  for (const [name, values] of results) {
    const median = (pick) => values.map(pick).sort((a, b) => a - b)[Math.floor(values.length / 2)];
    console.log(
      `${name.padEnd(40)} ${Math.round(median((v) => v.rate)).toLocaleString("en").padStart(8)} rt/s  p50 ${median((v) => v.p50).toFixed(1).padStart(7)} µs  p99 ${median((v) => v.p99).toFixed(1).padStart(7)} µs  cpu ${median((v) => v.cpu).toFixed(1).padStart(6)} µs/rt`,
    );
  }
}

function startWorker(data, transferList = []) {
  return startPeerWorker(new URL(import.meta.url), data, transferList);
}

/** Runs `roundTrip` WARM_UP times, then ROUND_TRIPS timed times. */
async function measure(roundTrip) {
  for (let i = 0; i < WARM_UP; i++) await roundTrip();
  const samples = new Float64Array(ROUND_TRIPS);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t0 = performance.now();
    await roundTrip();
    samples[i] = (performance.now() - t0) * 1000;
  }
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  samples.sort();
  return {
    rate: ROUND_TRIPS / (elapsed / 1000),
    p50: samples[Math.floor(ROUND_TRIPS * 0.5)],
    p99: samples[Math.floor(ROUND_TRIPS * 0.99)],
    cpu: (cpu.user + cpu.system) / ROUND_TRIPS,
  };
}

async function portPingPong() {
  const { port1, port2 } = new MessageChannel();
  const w = startWorker({ kind: "port-echo", port: port2 }, [port2]);
  const body = Buffer.alloc(16, 7);
  let resolve = null;
  port1.on("message", () => resolve());
  const result = await measure(
    () =>
      new Promise((r) => {
        resolve = r;
        port1.postMessage(body);
      }),
  );
  port1.close();
  await w.terminate();
  return result;
}

async function broadcastPingPong() {
  const name = `bench-bc-${process.pid}-${names++}`;
  const w = startWorker({ kind: "bc-echo", name });
  await new Promise((r) => w.once("message", r));
  const there = new BroadcastChannel(`${name}:there`);
  const back = new BroadcastChannel(`${name}:back`);
  const body = Buffer.alloc(16, 7);
  let resolve = null;
  back.onmessage = () => resolve();
  const result = await measure(
    () =>
      new Promise((r) => {
        resolve = r;
        there.postMessage(body);
      }),
  );
  there.close();
  back.close();
  await w.terminate();
  return result;
}

/** [0]: pings written by the main thread, [1]: pongs written by the worker. */
async function sabPingPong(lookAgain) {
  const flags = new Int32Array(new SharedArrayBuffer(8));
  const w = startWorker({ kind: "sab-echo", flags: flags.buffer, lookAgain });
  let seq = 0;
  const result = await measure(async () => {
    seq++;
    Atomics.store(flags, 0, seq);
    Atomics.notify(flags, 0);
    await waitFor(flags, 1, seq, lookAgain);
  });
  Atomics.store(flags, 0, -1);
  Atomics.notify(flags, 0);
  await w.terminate();
  return result;
}

async function waitFor(flags, index, value, lookAgain) {
  if (lookAgain === "block") {
    const seen = Atomics.load(flags, index);
    if (seen !== value) Atomics.wait(flags, index, seen, 0.05);
  } else if (lookAgain && Atomics.load(flags, index) !== value) await new Promise((r) => setImmediate(r));
  for (;;) {
    const seen = Atomics.load(flags, index);
    if (seen === value || seen === -1) return seen;
    const wait = Atomics.waitAsync(flags, index, seen);
    if (wait.async) await wait.value;
  }
}

async function ringPingPong() {
  const there = ring.createRingMemory();
  const back = ring.createRingMemory();
  const w = startWorker({ kind: "ring-echo", there, back });
  const writer = new ring.RingWriter(there);
  const reader = new ring.RingReader(back);
  const body = Buffer.alloc(16, 7);
  const result = await measure(async () => {
    writer.start([body]);
    await readOne(reader);
  });
  writer.end();
  await w.terminate();
  return result;
}

/** Reads a message as thread-link.ts does: one look again after setImmediate, then waitAsync. */
async function readOne(reader) {
  let yielded = false;
  for (;;) {
    const msg = reader.read();
    if (msg !== undefined || (reader.writerDone && !reader.hasData)) return msg;
    if (!yielded) {
      yielded = true;
      await new Promise((r) => setImmediate(r));
      continue;
    }
    yielded = false;
    const wait = reader.waitForData();
    if (wait !== null) await wait;
    reader.woke();
  }
}

async function skeinReqRep(acrossThreads) {
  const address = `inproc://rt-${process.pid}-${names++}`;
  const endPeer = await echoPeer(zmq, "Reply", address, acrossThreads, startWorker, "skein-rep");
  const req = new zmq.Request();
  req.connect(address);
  const body = Buffer.alloc(16, 7);
  const result = await measure(async () => {
    await req.send(body);
    await req.receive();
  });
  req.close();
  await endPeer();
  return result;
}

async function skeinDealerRouter() {
  const address = `inproc://rt-${process.pid}-${names++}`;
  const endPeer = await echoPeer(zmq, "Router", address, true, startWorker, "skein-router");
  const dealer = new zmq.Dealer();
  dealer.connect(address);
  const body = Buffer.alloc(16, 7);
  const result = await measure(async () => {
    await dealer.send(body);
    await dealer.receive();
  });
  dealer.close();
  await endPeer();
  return result;
}

// ---- the worker's side ----------------------------------------------------------------------

async function worker(data) {
  const hold = setInterval(() => {}, 2 ** 30);
  switch (data.kind) {
    case "port-echo":
      data.port.on("message", (body) => data.port.postMessage(body));
      break;
    case "bc-echo": {
      const there = new BroadcastChannel(`${data.name}:there`);
      const back = new BroadcastChannel(`${data.name}:back`);
      there.onmessage = (event) => back.postMessage(event.data);
      parentPort.postMessage("ready");
      break;
    }
    case "sab-echo": {
      const flags = new Int32Array(data.flags);
      for (let seq = 1; ; seq++) {
        if ((await waitFor(flags, 0, seq, data.lookAgain)) === -1) break;
        Atomics.store(flags, 1, seq);
        Atomics.notify(flags, 1);
      }
      break;
    }
    case "ring-echo": {
      const reader = new ring.RingReader(data.there);
      const writer = new ring.RingWriter(data.back);
      for (;;) {
        const msg = await readOne(reader);
        if (msg === undefined) break;
        writer.start(msg);
      }
      break;
    }
    case "skein-rep":
      await serveEcho(zmq, "Reply", data.address);
      break;
    case "skein-router":
      await serveEcho(zmq, "Router", data.address);
      break;
  }
  void hold;
}
