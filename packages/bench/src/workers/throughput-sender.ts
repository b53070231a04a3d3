/**
 * PUSH side of the throughput case: connects to the receiver, sends
 * `size`-byte messages for the configured duration (or at a steady rate),
 * then an empty end-of-run message, and waits for the driver's `stop` so
 * nothing is lost to linger before the receiver has counted it all.
 */
import { loadLibrary, ImplUnavailableError, type BenchSocketOptions } from "../library.js";
import { command, report, runWorker, sleep, workerConfig } from "../worker-channel.js";
import { sendBare } from "../raw/bare-throughput.js";
import { SendPlan } from "./send-plan.js";
import type { ThroughputConfig } from "./config.js";

runWorker(async () => {
  const config = workerConfig<ThroughputConfig>();
  const payload = Buffer.alloc(config.size, 0x61);
  const plan = new SendPlan(config.durationMs, config.maxCount, config.rate, config.size);
  const start = performance.now();
  if (config.impl === "raw-bare") {
    const connection = await sendBare(config.endpoint, payload, plan);
    report({ kind: "sent", sent: plan.sent, seconds: (performance.now() - start) / 1000 });
    await command("stop");
    connection.destroy();
    return;
  }
  const lib = await loadLibrary(config.impl);
  const options: BenchSocketOptions = { linger: 0 };
  if (config.curve) {
    if (lib.curveKeyPair === undefined) throw new ImplUnavailableError(`${config.impl} has no CURVE support`);
    const keys = lib.curveKeyPair();
    options.curveServerKey = config.serverPublicKey!;
    options.curvePublicKey = keys.publicKey;
    options.curveSecretKey = keys.secretKey;
  }
  const push = new lib.Push(options);
  push.connect(config.endpoint);
  for (let batch = plan.next(); batch > 0; batch = plan.next()) {
    const wait = plan.delayMs();
    if (wait > 1) await sleep(wait);
    for (let i = 0; i < batch; i++) await push.send(payload);
    plan.sent += batch;
  }
  await push.send(Buffer.alloc(0));
  report({ kind: "sent", sent: plan.sent, seconds: (performance.now() - start) / 1000 });
  await command("stop");
  push.close();
});
