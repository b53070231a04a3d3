// Benchmark (not a test): CPU time per MiB on each side of a PUSH/PULL stream of large messages
// (issue 16), for skein builds and the `zeromq` package, in separate processes. Wall-clock rates
// move with the machine's load; the CPU a side spends per MiB (process.cpuUsage(), user + system,
// of the whole process: zeromq's I/O threads included) and its minor page faults move much less.
// Run from the repo root after `pnpm build`:
//   node packages/core/bench/cpu-per-mib.bench.mjs [--impl <dist/index.js>|zeromq]... [--transport tcp,ipc]
//     [--size 1048576,65536] [--mib 1000] [--repeat 2]
// Each --impl is a path to a built core's dist/index.js (e.g. a second worktree on main, for an
// A/B) or `zeromq`; default: this worktree's core and zeromq. Runs are interleaved (A B A B ...)
// and each line is printed as it comes, then the medians. It never fails on timing.
import { fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(import.meta.url);
const OWN_CORE = fileURLToPath(new URL("../dist/index.js", import.meta.url));

async function load(impl) {
  if (impl === "zeromq") return createRequire(HERE)("zeromq");
  return import(impl);
}

function argList(name, fallback) {
  const values = [];
  for (let i = 2; i < process.argv.length; i++) if (process.argv[i] === name) values.push(process.argv[i + 1]);
  return values.length > 0 ? values : fallback;
}

/** CPU (µs) and minor faults since `start`. */
function since(start) {
  const cpu = process.cpuUsage(start.cpu);
  return { user: cpu.user, system: cpu.system, faults: process.resourceUsage().minorPageFault - start.faults };
}

function mark() {
  return { cpu: process.cpuUsage(), faults: process.resourceUsage().minorPageFault };
}

async function receiver({ impl, transport }) {
  const lib = await load(impl);
  const pull = new lib.Pull();
  await pull.bind(transport === "tcp" ? "tcp://127.0.0.1:*" : `ipc:///tmp/skein-cpu-per-mib-${process.pid}.ipc`);
  process.send({ endpoint: pull.lastEndpoint });
  let count = 0;
  let start = null;
  let t0 = 0n;
  for await (const [message] of pull) {
    // The first message starts the clock: connection and warm-up are not counted.
    if (start === null) {
      start = mark();
      t0 = process.hrtime.bigint();
      continue;
    }
    if (message.length === 0) break;
    count++;
  }
  const used = since(start);
  process.send({ count, seconds: Number(process.hrtime.bigint() - t0) / 1e9, ...used }, () => {
    pull.close();
    process.exit(0);
  });
}

async function sender({ impl, endpoint, size, count }) {
  const lib = await load(impl);
  const push = new lib.Push({ linger: 1000 });
  push.connect(endpoint);
  const payload = Buffer.alloc(size, 0x61);
  await push.send(payload);
  const start = mark();
  for (let i = 0; i < count; i++) await push.send(payload);
  await push.send(Buffer.alloc(0));
  // Measured when the receiver has everything: a sender's send() resolves once queued, before the writes.
  process.once("message", () => {
    process.send(since(start), () => {
      push.close();
      process.exit(0);
    });
  });
}

function child(config, role) {
  return fork(HERE, [], { env: { ...process.env, CPU_PER_MIB_ROLE: role, CPU_PER_MIB_CONFIG: JSON.stringify(config) } });
}

const nextMessage = (proc) => new Promise((resolve) => proc.once("message", resolve));

async function once(impl, transport, size, count) {
  const rx = child({ impl, transport }, "rx");
  const { endpoint } = await nextMessage(rx);
  const tx = child({ impl, endpoint, size, count }, "tx");
  const received = await nextMessage(rx);
  tx.send("done");
  const sent = await nextMessage(tx);
  const mib = (received.count * size) / (1024 * 1024);
  return {
    msgsPerSec: Math.round(received.count / received.seconds),
    rxCpuUsPerMiB: Math.round((received.user + received.system) / mib),
    rxSystemUsPerMiB: Math.round(received.system / mib),
    rxFaultsPerMiB: Math.round(received.faults / mib),
    txCpuUsPerMiB: Math.round((sent.user + sent.system) / mib),
    txSystemUsPerMiB: Math.round(sent.system / mib),
  };
}

function label(impl) {
  if (impl === "zeromq") return "zeromq";
  return impl === OWN_CORE ? "skein (this tree)" : `skein (${impl.replace(/\/packages\/core\/dist\/index\.js$/, "")})`;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2);
}

async function main() {
  const impls = argList("--impl", [OWN_CORE, "zeromq"]);
  const transports = argList("--transport", ["tcp,ipc"])[0].split(",");
  const sizes = argList("--size", ["1048576"])[0].split(",").map(Number);
  const totalMiB = Number(argList("--mib", ["1000"])[0]);
  const repeats = Number(argList("--repeat", ["2"])[0]);
  const results = new Map();
  for (let r = 0; r < repeats; r++) {
    for (const transport of transports) {
      for (const size of sizes) {
        const count = Math.max(100, Math.round((totalMiB * 1024 * 1024) / size));
        for (const impl of impls) {
          const load = (await import("node:os")).loadavg()[0].toFixed(1);
          const result = await once(impl, transport, size, count);
          const key = `${transport} ${size} ${label(impl)}`;
          if (!results.has(key)) results.set(key, []);
          results.get(key).push(result);
          console.log(JSON.stringify({ transport, size, impl: label(impl), load1: Number(load), ...result }));
        }
      }
    }
  }
  console.log("\nmedians:");
  for (const [key, runs] of results) {
    const fields = Object.keys(runs[0]).map((field) => `${field} ${median(runs.map((run) => run[field]))}`);
    console.log(`${key}: ${fields.join(", ")}`);
  }
}

const role = process.env.CPU_PER_MIB_ROLE;
if (role === "rx") await receiver(JSON.parse(process.env.CPU_PER_MIB_CONFIG));
else if (role === "tx") await sender(JSON.parse(process.env.CPU_PER_MIB_CONFIG));
else await main();
