/**
 * Client side of the service cases: keeps `inFlight` calls going for the
 * duration (each loop starts its next call when the last one ends), timing
 * every call; a streaming call counts as done when its last item is read.
 * Reports calls (and stream items) per second, p50/p99 per call and its own
 * peak RSS.
 */
import { connectGreeter } from "../service/greeters.js";
import { summarizeLatencies } from "../stats.js";
import { memoryFigures, report, runWorker, workerConfig } from "../worker-channel.js";
import type { ServiceConfig } from "./config.js";
import { warmUp } from "../warm-up.js";

const NAME = "bench";

runWorker(async () => {
  const config = workerConfig<ServiceConfig>();
  const client = await connectGreeter(config.impl, config.endpoint);
  const stream = client.sayHelloStream;
  let call: () => Promise<number>;
  if (config.shape === "stream") {
    if (stream === undefined) throw Object.assign(new Error(`${config.impl} has no server streams over this transport`), { code: "BENCH_IMPL_UNAVAILABLE" });
    call = () => stream(NAME, config.streamItems);
  } else {
    call = async () => ((await client.sayHello(NAME)).length > 0 ? 1 : 0);
  }
  const warm = await warmUp(call, config.inFlight, `service ${config.shape} x${config.inFlight} ${config.impl}`);

  const samples: number[] = [];
  let items = 0;
  const deadline = performance.now() + config.durationMs;
  const started = process.hrtime.bigint();
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = process.hrtime.bigint();
      items += await call();
      samples.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  };
  await Promise.all(Array.from({ length: config.inFlight }, loop));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const figures = memoryFigures();
  await client.close();
  report({ kind: "result", count: samples.length, items, seconds, latency: summarizeLatencies(samples), warmUp: warm, ...figures });
});
