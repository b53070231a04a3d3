// Benchmark (not a test): RpcClient calling an RpcServer over inproc://, the server in another
// worker thread against both in one thread. One call at a time (latency p50/p99 and calls/s), then
// 64 calls in flight (calls/s). Run from the repo root after `pnpm build`:
//   node packages/patterns/bench/rpc-threads.bench.mjs [--repeat 3] [--calls 3000]
// It prints medians over the repeats; it never fails on timing.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const patterns = await import(new URL("../dist/index.js", import.meta.url).href);
const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};

if (!isMainThread) {
  const server = new patterns.RpcServer({ bind: [workerData.address] });
  const serving = server.serve(async (frames) => frames);
  parentPort.postMessage("ready");
  parentPort.once("message", async () => {
    await server.close();
    await serving;
    parentPort.postMessage("closed");
  });
} else {
  const repeats = arg("--repeat", 3);
  const calls = arg("--calls", 3000);
  const results = new Map();
  const record = (key, value) => {
    console.error(`  ${key}: ${JSON.stringify(value)}`);
    if (!results.has(key)) results.set(key, []);
    results.get(key).push(value);
  };
  let names = 0;
  for (let r = 0; r < repeats; r++) {
    for (const threads of [2, 1]) {
      const address = `inproc://rpc-bench-${names++}`;
      let stop;
      if (threads === 2) {
        const worker = new Worker(new URL(import.meta.url), { workerData: { address } });
        await new Promise((resolve) => worker.once("message", resolve));
        stop = async () => {
          worker.postMessage("close");
          await new Promise((resolve) => worker.once("message", resolve));
          await worker.terminate();
        };
      } else {
        const server = new patterns.RpcServer({ bind: [address] });
        const serving = server.serve(async (frames) => frames);
        stop = async () => {
          await server.close();
          await serving;
        };
      }
      const client = new patterns.RpcClient({ endpoints: [address], timeout: 10_000 });
      const payload = [Buffer.alloc(16, 1)];
      for (let i = 0; i < 200; i++) await client.request(payload);
      const samples = [];
      const begin = performance.now();
      for (let i = 0; i < calls; i++) {
        const t = performance.now();
        await client.request(payload);
        samples.push((performance.now() - t) * 1000);
      }
      const serialRate = calls / ((performance.now() - begin) / 1000);
      samples.sort((a, b) => a - b);
      const label = threads === 2 ? "2 threads" : "1 thread";
      record(`RpcClient ${label}, 1 in flight`, { rate: serialRate, p50: samples[Math.floor(samples.length / 2)], p99: samples[Math.floor(samples.length * 0.99)] });
      const inFlight = 64;
      let sent = 0;
      const t0 = performance.now();
      const lane = async () => {
        while (sent < calls * 4) {
          sent++;
          await client.request(payload);
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
      record(`RpcClient ${label}, 64 in flight`, { rate: (calls * 4) / ((performance.now() - t0) / 1000) });
      client.close();
      await stop();
    }
  }
  console.log(`node ${process.version}, ${repeats} repeats, medians, load ${(await import("node:os")).loadavg()[0].toFixed(1)}`);
  for (const [key, values] of results) {
    const median = (pick) => values.map(pick).sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const line = `${key.padEnd(36)} ${Math.round(median((v) => v.rate)).toLocaleString("en").padStart(9)} calls/s`;
    console.log(values[0].p50 === undefined ? line : `${line}  p50 ${median((v) => v.p50).toFixed(0).padStart(6)} µs  p99 ${median((v) => v.p99).toFixed(0).padStart(7)} µs`);
  }
}
