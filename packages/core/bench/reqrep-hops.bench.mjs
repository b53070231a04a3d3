// Benchmark (not a test): where the time of one REQ/REP round trip over tcp goes (issue 16), hop
// by hop, for skein builds against raw node:net peers. The client runs here, the server in a child
// process; each side is `skein` (REQ, or REP echoing with `for await ... send`), `raw` (node:net
// speaking ZMTP 3.1 by hand: greeting, READY, frames; a callback echo) or `bare` (node:net, frames
// without a handshake: the bench runner's raw-bare). Mixing them puts skein on one side only.
// Run from the repo root after `pnpm build`:
//   node packages/core/bench/reqrep-hops.bench.mjs [--impl <dist/index.js>]... [--pair skein/skein]...
//     [--count 20000] [--repeat 3] [--hops]
// Each --impl is a built core's dist/index.js (e.g. a second worktree on main, for an A/B); runs
// are interleaved (impl A pair 1, impl B pair 1, ...). Per run: round-trip p50/p90/p99 (µs), and
// the CPU (user + system) each process spent per round trip. With --hops, both processes take
// a process.hrtime.bigint() (CLOCK_MONOTONIC, one clock for both) as a write() starts and as a
// read reaches JavaScript (skein: ZmtpEngine.chunkRead; raw: the 'data' listener), and the
// medians of these hops are printed:
//   send→write     the client's send() (round trip start) until its stream.write() starts
//   wire→server    write() start until the server's read reaches JavaScript (syscall, loopback, wake-up, libuv)
//   server         that read until the server's write() starts (skein: split into read→send() and send()→write())
//   wire→client    as wire→server, the other way
//   read→resume    the client's read until its `await` of the reply resumes
// The instrumentation wraps net.Socket.prototype.write and costs every side alike. Never fails on timing.
import { fork } from "node:child_process";
import * as net from "node:net";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(import.meta.url);
const OWN_CORE = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const WARMUP = 3000;

function argList(name, fallback) {
  const values = [];
  for (let i = 2; i < process.argv.length; i++) if (process.argv[i] === name) values.push(process.argv[i + 1]);
  return values.length > 0 ? values : fallback;
}

// ---- timestamps (--hops) ---------------------------------------------------------------------

const now = () => process.hrtime.bigint();
function stamps() {
  const at = new BigInt64Array(400_000);
  let n = 0;
  return {
    mark: () => void (n < at.length && (at[n++] = now())),
    view: () => at.subarray(0, n),
    reset: () => void (n = 0),
    get length() {
      return n;
    },
  };
}
const reads = stamps();
const writes = stamps();
const sends = stamps();

let hopsOn = false;
const instrumented = new Set();

/** Stamps every write() start, and every read reaching `core`'s engines (once per core). */
async function instrument(core) {
  hopsOn = true;
  if (!instrumented.has("net")) {
    instrumented.add("net");
    const write = net.Socket.prototype.write;
    net.Socket.prototype.write = function (...args) {
      writes.mark();
      return write.apply(this, args);
    };
  }
  if (core === null || instrumented.has(core)) return;
  instrumented.add(core);
  const { ZmtpEngine } = await import(core.replace(/index\.js$/, "zmtp/engine.js"));
  const chunkRead = ZmtpEngine.prototype.chunkRead;
  ZmtpEngine.prototype.chunkRead = function (chunk) {
    reads.mark();
    return chunkRead.call(this, chunk);
  };
}

// ---- raw ZMTP (RFC 23 §3): greeting, READY, short frames ----------------------------------------

function greeting(asServer) {
  const bytes = Buffer.alloc(64);
  bytes[0] = 0xff;
  bytes[9] = 0x7f;
  bytes[10] = 3;
  bytes[11] = 1;
  bytes.write("NULL", 12);
  bytes[32] = asServer ? 1 : 0;
  return bytes;
}

function ready(socketType) {
  const name = Buffer.from("Socket-Type");
  const size = Buffer.alloc(4);
  size.writeUInt32BE(socketType.length);
  const body = Buffer.concat([Buffer.from([5]), Buffer.from("READY"), Buffer.from([name.length]), name, size, Buffer.from(socketType)]);
  return Buffer.concat([Buffer.from([4, body.length]), body]);
}

/** Feeds bytes; calls `onMessage(frames)` per whole message after `skip` octets (the greeting), commands dropped. */
function frameReader(skip, onMessage) {
  let pending = null;
  let parts = [];
  return (chunk) => {
    let bytes = pending === null ? chunk : Buffer.concat([pending, chunk]);
    let at = Math.min(skip, bytes.length);
    skip -= at;
    while (bytes.length - at >= 2) {
      const flags = bytes[at];
      const long = (flags & 2) !== 0;
      if (long && bytes.length - at < 9) break;
      const size = long ? Number(bytes.readBigUInt64BE(at + 1)) : bytes[at + 1];
      const start = at + (long ? 9 : 2);
      if (bytes.length < start + size) break;
      at = start + size;
      if ((flags & 4) !== 0) continue;
      parts.push(bytes.subarray(start, at));
      if ((flags & 1) === 0) {
        const message = parts;
        parts = [];
        onMessage(message);
      }
    }
    pending = at === bytes.length ? null : bytes.subarray(at);
  };
}

function encode(frames) {
  let size = 0;
  for (const frame of frames) size += 2 + frame.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < frames.length; i++) {
    out[at++] = i < frames.length - 1 ? 1 : 0;
    out[at++] = frames[i].length;
    at += frames[i].copy(out, at);
  }
  return out;
}

// ---- server (child process) --------------------------------------------------------------------

async function server(kind, core, hops) {
  if (hops) await instrument(kind === "skein" ? core : null);
  let close;
  let port;
  let serving = Promise.resolve();
  if (kind === "skein") {
    const { Reply } = await import(core);
    const reply = new Reply({ linger: 0 });
    await reply.bind("tcp://127.0.0.1:0");
    port = Number(reply.lastEndpoint.split(":").pop());
    close = () => reply.close();
    serving = (async () => {
      if (hops) {
        for await (const message of reply) {
          sends.mark();
          await reply.send(message);
        }
      } else {
        for await (const message of reply) await reply.send(message);
      }
    })().catch((error) => {
      if (error.code !== "EAGAIN") throw error;
    });
  } else {
    const listener = net.createServer((stream) => {
      stream.setNoDelay(true);
      if (kind === "raw") stream.write(Buffer.concat([greeting(true), ready("REP")]));
      const feed = frameReader(kind === "raw" ? 64 : 0, (message) => stream.write(encode(message)));
      stream.on("data", (chunk) => {
        if (hopsOn) reads.mark();
        feed(chunk);
      });
      stream.on("error", () => stream.destroy());
    });
    await new Promise((resolve) => listener.listen(0, "127.0.0.1", resolve));
    port = listener.address().port;
    close = () => listener.close();
  }
  let cpu;
  process.on("message", async (message) => {
    if (message === "start") cpu = process.cpuUsage();
    else if (message === "stop") {
      const used = process.cpuUsage(cpu);
      close();
      await serving;
      const file = path.join(os.tmpdir(), `reqrep-hops-${process.pid}.json`);
      if (hops) fs.writeFileSync(file, JSON.stringify([reads, writes, sends].map((s) => [...s.view()].map(String))));
      process.send({ cpu: used.user + used.system, file: hops ? file : null });
      process.disconnect();
    }
  });
  process.send({ port });
}

// ---- client (this process) ---------------------------------------------------------------------

async function client(kind, port, core) {
  if (kind === "skein") {
    const { Request } = await import(core);
    const request = new Request({ linger: 0 });
    request.connect(`tcp://127.0.0.1:${port}`);
    return {
      roundTrip: async (payload) => {
        await request.send(payload);
        return request.receive();
      },
      close: () => request.close(),
    };
  }
  const stream = net.connect(port, "127.0.0.1");
  stream.setNoDelay(true);
  await new Promise((resolve) => stream.once("connect", resolve));
  const zmtp = kind === "raw";
  if (zmtp) stream.write(Buffer.concat([greeting(false), ready("REQ")]));
  let resolveReply = null;
  const feed = frameReader(zmtp ? 64 : 0, (message) => {
    const resolve = resolveReply;
    resolveReply = null;
    resolve(message);
  });
  stream.on("data", (chunk) => {
    if (hopsOn) reads.mark();
    feed(chunk);
  });
  let wire = null;
  return {
    roundTrip: (payload) =>
      new Promise((resolve) => {
        resolveReply = resolve;
        wire ??= encode(zmtp ? [Buffer.alloc(0), payload] : [payload]);
        stream.write(wire);
      }),
    close: () => stream.destroy(),
  };
}

function first(sorted, t) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length ? sorted[lo] : -1n;
}

const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
const us = (a, b) => Number(b - a) / 1000;

/** The hops of every timed round trip, from both processes' stamps (see the header). */
function hopMedians(starts, ends, client, serverFile) {
  const [serverReads, serverWrites, serverSends] = JSON.parse(fs.readFileSync(serverFile, "utf8")).map((s) => BigInt64Array.from(s.map(BigInt)));
  fs.rmSync(serverFile);
  const hops = { "send→write": [], "wire→server": [], server: [], "server read→send()": [], "server send()→write": [], "wire→client": [], "read→resume": [] };
  for (let i = 0; i < starts.length; i++) {
    const clientWrite = first(client.writes, starts[i]);
    const serverRead = first(serverReads, clientWrite);
    const serverWrite = first(serverWrites, serverRead);
    const clientRead = first(client.reads, serverWrite);
    if (clientWrite < 0n || serverRead < 0n || serverWrite < 0n || clientRead < 0n || clientRead > ends[i]) continue;
    hops["send→write"].push(us(starts[i], clientWrite));
    hops["wire→server"].push(us(clientWrite, serverRead));
    hops.server.push(us(serverRead, serverWrite));
    const send = serverSends.length > 0 ? first(serverSends, serverRead) : -1n;
    if (send >= 0n && send <= serverWrite) {
      hops["server read→send()"].push(us(serverRead, send));
      hops["server send()→write"].push(us(send, serverWrite));
    }
    hops["wire→client"].push(us(serverWrite, clientRead));
    hops["read→resume"].push(us(clientRead, ends[i]));
  }
  return Object.entries(hops)
    .filter(([, values]) => values.length > 0)
    .map(([name, values]) => `${name} ${median(values).toFixed(1)}`)
    .join(" | ");
}

async function run(core, pair, count, hops) {
  const [clientKind, serverKind] = pair.split("/");
  const child = fork(HERE, ["--serve", serverKind, core, hops ? "1" : "0"]);
  const reply = () => new Promise((resolve) => child.once("message", resolve));
  const { port } = await reply();
  if (hops) await instrument(clientKind === "skein" ? core : null);
  reads.reset();
  writes.reset();
  const peer = await client(clientKind, port, core);
  const payload = Buffer.alloc(16, 0x61);
  for (let i = 0; i < WARMUP; i++) await peer.roundTrip(payload);
  const readsFrom = reads.length;
  const writesFrom = writes.length;
  const starts = new BigInt64Array(count);
  const ends = new BigInt64Array(count);
  child.send("start");
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    starts[i] = now();
    await peer.roundTrip(payload);
    ends[i] = now();
  }
  const clientCpu = process.cpuUsage(cpu);
  child.send("stop");
  const served = await reply();
  peer.close();
  const samples = Array.from(ends, (end, i) => us(starts[i], end)).sort((a, b) => a - b);
  const at = (q) => samples[Math.floor(q * (count - 1))].toFixed(1);
  const line = `${core === OWN_CORE ? "this build" : core} ${pair}: p50 ${at(0.5)} p90 ${at(0.9)} p99 ${at(0.99)} µs; CPU per round trip client ${((clientCpu.user + clientCpu.system) / count).toFixed(1)} µs, server ${(served.cpu / count).toFixed(1)} µs; load ${os.loadavg()[0].toFixed(2)}`;
  console.log(line);
  if (hops) {
    const client = { reads: reads.view().slice(readsFrom), writes: writes.view().slice(writesFrom) };
    console.log(`  hops (median µs): ${hopMedians(starts, ends, client, served.file)}`);
  }
}

if (process.argv[2] === "--serve") {
  await server(process.argv[3], process.argv[4], process.argv[5] === "1");
} else {
  const impls = argList("--impl", [OWN_CORE]);
  const pairs = argList("--pair", ["skein/skein", "bare/bare"]);
  const count = Number(argList("--count", ["20000"])[0]);
  const repeat = Number(argList("--repeat", ["3"])[0]);
  const hops = process.argv.includes("--hops");
  for (let r = 0; r < repeat; r++) {
    for (const pair of pairs) {
      for (const impl of pair.includes("skein") ? impls : [impls[0]]) await run(impl, pair, count, hops);
    }
  }
}
