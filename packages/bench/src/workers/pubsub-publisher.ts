/**
 * PUB side of the fan-out case: binds, sends probes until the driver says
 * `go` (every subscriber is connected and subscribed, so the slow-joiner
 * effect does not skew the count), then alternates subscribed and
 * unsubscribed messages for the duration, then repeats an end message until
 * `stop` (a publisher may drop any message, the end one included).
 * Batches of 256 messages, with a turn of the event loop between batches.
 */
import { loadLibrary } from "../library.js";
import { repeatUntil, report, runWorker, workerConfig } from "../worker-channel.js";
import { SendPlan } from "./send-plan.js";
import { KIND_DATA, KIND_END, KIND_PROBE, pubsubMessage } from "./pubsub-message.js";
import type { PubSubConfig } from "./config.js";

runWorker(async () => {
  const config = workerConfig<PubSubConfig>();
  if (config.impl === "raw-bare") throw new Error("pub/sub has no bare raw baseline; use raw-async");
  const lib = await loadLibrary(config.impl);
  const publisher = new lib.Publisher({ linger: 0 });
  await publisher.bind(config.endpoint);
  report({ kind: "ready", endpoint: publisher.lastEndpoint ?? config.endpoint });

  const probe = pubsubMessage("A", KIND_PROBE, config.size);
  await repeatUntil("go", 20, () => publisher.send(probe));

  const matching = pubsubMessage("A", KIND_DATA, config.size);
  const other = pubsubMessage("B", KIND_DATA, config.size);
  const plan = new SendPlan(config.durationMs, config.maxCount, 0, config.size);
  const start = performance.now();
  for (let batch = plan.next(); batch > 0; batch = plan.next()) {
    for (let i = 0; i < batch; i += 2) {
      await publisher.send(matching);
      await publisher.send(other);
    }
    plan.sent += batch;
    // PUB never pushes back (RFC 29: it drops at the high-water mark), so a
    // publisher that never leaves the microtask queue can starve its own
    // socket writes. Yield to I/O once per batch, as a real publisher would.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const seconds = (performance.now() - start) / 1000;
  report({ kind: "sent", sent: plan.sent, matching: plan.sent / 2, seconds });

  const end = pubsubMessage("A", KIND_END, config.size);
  await repeatUntil("stop", 50, () => publisher.send(end));
  publisher.close();
});
