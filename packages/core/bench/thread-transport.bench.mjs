// Benchmark (not a test): how messages should cross worker threads. Compares, between two threads
// of one process, at 16 B and 64 KiB:
//   - MessagePort.postMessage with the message's ArrayBuffer transferred,
//   - MessagePort.postMessage copying (structured clone),
//   - the SharedArrayBuffer ring of src/transport/thread-ring.ts on its own,
//   - skein sockets over inproc:// across threads (PUSH/PULL, REQ/REP), which use that ring,
//   - skein sockets over inproc:// within one thread (the reference: no thread crossed).
// Throughput in messages/s (a window of 1000 messages in flight for the ports), latency as round
// trips (p50/p99 in µs). Run from the repo root after `pnpm build`:
//   node packages/core/bench/thread-transport.bench.mjs [--repeat 3]
// It prints medians over the repeats, the repeats interleaved; it never fails on timing.
import { echoPeer, serveEcho, startWorker as startPeerWorker } from "./thread-bench-peers.mjs";
import { MessageChannel, isMainThread, workerData } from "node:worker_threads";

const dist = new URL("../dist/", import.meta.url);
const ring = await import(new URL("transport/thread-ring.js", dist).href);
const zmq = await import(new URL("index.js", dist).href);

const SIZES = [16, 64 * 1024];
const COUNT = { 16: 200_000, [64 * 1024]: 20_000 };
const ROUND_TRIPS = 5_000;
const WINDOW = 1000;
let names = 0;

if (!isMainThread) await worker(workerData);
else await main();

async function main() {
  const repeatAt = process.argv.indexOf("--repeat");
  const repeats = repeatAt > 0 ? Number(process.argv[repeatAt + 1]) : 3;
  const results = new Map();
  const record = (key, value) => {
    console.error(`  ${key}: ${JSON.stringify(value)}`);
    if (!results.has(key)) results.set(key, []);
    results.get(key).push(value);
  };
  for (let r = 0; r < repeats; r++) {
    for (const size of SIZES) {
      const count = COUNT[size];
      record(`throughput ${label(size)} MessagePort transfer`, await portThroughput(size, count, true));
      record(`throughput ${label(size)} MessagePort copy`, await portThroughput(size, count, false));
      record(`throughput ${label(size)} SAB ring`, await ringThroughput(size, count));
      record(`throughput ${label(size)} skein inproc, 2 threads`, await skeinThroughput(size, count, true));
      record(`throughput ${label(size)} skein inproc, 1 thread`, await skeinThroughput(size, count, false));
      record(`latency ${label(size)} MessagePort transfer`, await portLatency(size, true));
      record(`latency ${label(size)} MessagePort copy`, await portLatency(size, false));
      record(`latency ${label(size)} SAB ring`, await ringLatency(size));
      record(`latency ${label(size)} skein inproc, 2 threads`, await skeinLatency(size, true));
      record(`latency ${label(size)} skein inproc, 1 thread`, await skeinLatency(size, false));
    }
  }
  console.log(`node ${process.version}, ${repeats} repeats, medians`);
  for (const [key, values] of results) {
    const median = (pick) => {
      const sorted = values.map(pick).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)];
    };
    if (key.startsWith("throughput")) {
      const rate = median((v) => v.rate);
      console.log(`${key.padEnd(50)} ${Math.round(rate).toLocaleString("en").padStart(12)} msg/s ${(rate * Number(key.split(" ")[1] === "16" ? 16 : 65536) / 2 ** 20).toFixed(0).padStart(7)} MiB/s`);
    } else {
      console.log(`${key.padEnd(50)} p50 ${median((v) => v.p50).toFixed(1).padStart(8)} µs  p99 ${median((v) => v.p99).toFixed(1).padStart(8)} µs`);
    }
  }
}

function label(size) {
  return size === 16 ? "16 B" : "64 KiB";
}

function startWorker(data, transferList = []) {
  return startPeerWorker(new URL(import.meta.url), data, transferList);
}

function percentiles(samples) {
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length * 0.5)], p99: samples[Math.floor(samples.length * 0.99)] };
}

// ---- MessagePort ----------------------------------------------------------------------------

async function portThroughput(size, count, transfer) {
  const { port1, port2 } = new MessageChannel();
  const w = startWorker({ kind: "port-sink", port: port2, count }, [port2]);
  const source = Buffer.alloc(size, 7);
  let acked = 0;
  let sent = 0;
  const start = performance.now();
  await new Promise((resolve) => {
    const pump = () => {
      while (sent < count && sent - acked < WINDOW) {
        // A fresh buffer per message, as a sender that builds each one (a transfer detaches it).
        const body = new Uint8Array(size);
        body.set(source);
        port1.postMessage(body, transfer ? [body.buffer] : []);
        sent++;
      }
    };
    port1.on("message", (n) => {
      acked = n;
      if (acked === count) resolve();
      else pump();
    });
    pump();
  });
  const rate = count / ((performance.now() - start) / 1000);
  port1.close();
  await w.terminate();
  return { rate };
}

async function portLatency(size, transfer) {
  const { port1, port2 } = new MessageChannel();
  const w = startWorker({ kind: "port-echo", port: port2, transfer }, [port2]);
  const samples = [];
  let body = new Uint8Array(size);
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t0 = performance.now();
    port1.postMessage(body, transfer ? [body.buffer] : []);
    body = await new Promise((resolve) => port1.once("message", resolve));
    samples.push((performance.now() - t0) * 1000);
  }
  port1.close();
  await w.terminate();
  return percentiles(samples);
}

// ---- SharedArrayBuffer ring -----------------------------------------------------------------

async function ringThroughput(size, count) {
  const memory = ring.createRingMemory();
  const done = new Int32Array(new SharedArrayBuffer(4));
  const w = startWorker({ kind: "ring-sink", memory, count, done: done.buffer });
  const writer = new ring.RingWriter(memory);
  const source = Buffer.alloc(size, 7);
  const start = performance.now();
  for (let sent = 0; sent < count; ) {
    if (writer.busy ? writer.resume() : writer.canStart() && writer.start([source])) {
      sent++;
      continue;
    }
    if (!writer.busy && writer.canStart()) continue;
    const wait = writer.waitForRoom();
    if (wait !== null) await wait;
    writer.woke();
  }
  while (Atomics.load(done, 0) === 0) await Atomics.waitAsync(done, 0, 0).value;
  const rate = count / ((performance.now() - start) / 1000);
  await w.terminate();
  return { rate };
}

async function ringLatency(size) {
  const there = ring.createRingMemory();
  const back = ring.createRingMemory();
  const w = startWorker({ kind: "ring-echo", there, back });
  const writer = new ring.RingWriter(there);
  const reader = new ring.RingReader(back);
  const body = Buffer.alloc(size, 7);
  const samples = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t0 = performance.now();
    await writeAll(writer, [body]);
    await readOne(reader);
    samples.push((performance.now() - t0) * 1000);
  }
  writer.end();
  await w.terminate();
  return percentiles(samples);
}

async function writeAll(writer, msg) {
  let complete = writer.canStart() ? writer.start(msg) : false;
  while (!complete) {
    const wait = writer.waitForRoom();
    if (wait !== null) await wait;
    writer.woke();
    complete = writer.busy ? writer.resume() : writer.canStart() && writer.start(msg);
  }
}

async function readOne(reader) {
  for (;;) {
    const msg = reader.read();
    if (msg !== undefined) return msg;
    const wait = reader.waitForData();
    if (wait !== null) await wait;
    reader.woke();
  }
}

// ---- skein sockets --------------------------------------------------------------------------

async function skeinThroughput(size, count, acrossThreads) {
  const address = `inproc://bench-${process.pid}-${names++}`;
  const pull = new zmq.Pull();
  await pull.bind(address);
  let w = null;
  let push = null;
  const start = performance.now();
  if (acrossThreads) {
    w = startWorker({ kind: "skein-push", address, size, count });
  } else {
    push = new zmq.Push();
    push.connect(address);
    void (async () => {
      const body = Buffer.alloc(size, 7);
      for (let i = 0; i < count; i++) await push.send(body);
    })();
  }
  for (let n = 0; n < count; n++) await pull.receive();
  const rate = count / ((performance.now() - start) / 1000);
  pull.close();
  push?.close();
  if (w !== null) await w.terminate();
  return { rate };
}

async function skeinLatency(size, acrossThreads) {
  const address = `inproc://bench-${process.pid}-${names++}`;
  const endPeer = await echoPeer(zmq, "Reply", address, acrossThreads, startWorker, "skein-rep");
  const req = new zmq.Request();
  req.connect(address);
  const body = Buffer.alloc(size, 7);
  const samples = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t0 = performance.now();
    await req.send(body);
    await req.receive();
    samples.push((performance.now() - t0) * 1000);
  }
  req.close();
  await endPeer();
  return percentiles(samples);
}

// ---- the worker's side ----------------------------------------------------------------------

async function worker(data) {
  const hold = setInterval(() => {}, 2 ** 30);
  switch (data.kind) {
    case "port-sink": {
      let n = 0;
      data.port.on("message", () => {
        n++;
        if (n % (WINDOW / 2) === 0 || n === data.count) data.port.postMessage(n);
      });
      break;
    }
    case "port-echo":
      data.port.on("message", (body) => data.port.postMessage(body, data.transfer ? [body.buffer] : []));
      break;
    case "ring-sink": {
      const reader = new ring.RingReader(data.memory);
      const done = new Int32Array(data.done);
      for (let n = 0; n < data.count; n++) await readOne(reader);
      Atomics.store(done, 0, 1);
      Atomics.notify(done, 0);
      break;
    }
    case "ring-echo": {
      const reader = new ring.RingReader(data.there);
      const writer = new ring.RingWriter(data.back);
      for (;;) await writeAll(writer, await readOne(reader));
    }
    case "skein-push": {
      const push = new zmq.Push();
      push.connect(data.address);
      const body = Buffer.alloc(data.size, 7);
      for (let i = 0; i < data.count; i++) await push.send(body);
      break;
    }
    case "skein-rep":
      await serveEcho(zmq, "Reply", data.address);
      break;
  }
  void hold;
}
