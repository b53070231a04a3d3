/**
 * REQ side of the round-trip case: one request in flight at a time, each
 * round trip timed with `process.hrtime.bigint()`; reports mean, p50 and
 * p99 in microseconds after the warm-up (src/warm-up.ts).
 */
import { loadLibrary } from "../library.js";
import { memoryFigures, report, runWorker, workerConfig } from "../worker-channel.js";
import { BareEchoClient } from "../raw/bare-reqrep.js";
import { summarizeLatencies } from "../stats.js";
import type { ReqRepConfig } from "./config.js";
import { warmUp } from "../warm-up.js";


runWorker(async () => {
  const config = workerConfig<ReqRepConfig>();
  const payload = Buffer.alloc(config.size, 0x61);
  let roundTrip: () => Promise<unknown>;
  let close: () => void;
  if (config.impl === "raw-bare") {
    const client = await BareEchoClient.connect(config.endpoint);
    roundTrip = () => client.roundTrip(payload);
    close = () => client.close();
  } else {
    const lib = await loadLibrary(config.impl);
    const request = new lib.Request({ linger: 0 });
    request.connect(config.endpoint);
    roundTrip = async () => {
      await request.send(payload);
      return request.receive();
    };
    close = () => request.close();
  }
  const warm = await warmUp(roundTrip, 1, `req-rep ${config.size} B ${config.impl}`);
  const samples: number[] = [];
  const deadline = performance.now() + config.durationMs;
  const started = process.hrtime.bigint();
  while (samples.length < config.maxCount && (samples.length & 63 || performance.now() < deadline)) {
    const t0 = process.hrtime.bigint();
    await roundTrip();
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  close();
  report({
    kind: "result",
    count: samples.length,
    bytes: samples.length * config.size,
    seconds,
    latency: summarizeLatencies(samples),
    warmUp: warm,
    ...memoryFigures(),
  });
});
