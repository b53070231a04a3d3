/**
 * PUSH/PULL over inproc: both ends live in this one process by the nature
 * of the transport. The receiver loop and the sender loop run concurrently
 * on the same event loop; the result is the receiver's count and time.
 */
import { loadLibrary } from "../library.js";
import { memoryFigures, report, runWorker, workerConfig } from "../worker-channel.js";
import { SendPlan } from "./send-plan.js";
import type { ThroughputConfig, ThroughputResult } from "./config.js";

runWorker(async () => {
  const config = workerConfig<ThroughputConfig>();
  if (config.impl === "raw-bare" || config.impl === "raw-async") throw new Error("raw net has no inproc transport");
  const lib = await loadLibrary(config.impl);
  const pull = new lib.Pull();
  await pull.bind(config.endpoint);
  const push = new lib.Push({ linger: 0 });
  push.connect(config.endpoint);

  const receiving = (async () => {
    let count = 0;
    let bytes = 0;
    let start = 0n;
    for await (const [message] of pull) {
      const size = message!.length;
      if (size === 0) break;
      if (count === 0) start = process.hrtime.bigint();
      count++;
      bytes += size;
    }
    return { count, bytes, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
  })();

  const payload = Buffer.alloc(config.size, 0x61);
  const plan = new SendPlan(config.durationMs, config.maxCount, 0, config.size);
  for (let batch = plan.next(); batch > 0; batch = plan.next()) {
    for (let i = 0; i < batch; i++) await push.send(payload);
    plan.sent += batch;
  }
  await push.send(Buffer.alloc(0));
  const outcome = await receiving;
  push.close();
  pull.close();
  const result: ThroughputResult = { kind: "result", ...outcome, ...memoryFigures() };
  report(result);
});
