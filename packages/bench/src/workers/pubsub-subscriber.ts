/**
 * SUB side of the fan-out case: `sockets` subscriber sockets in this one
 * process (the machine has 2 cores, so 16 subscribers share 2 processes),
 * each subscribed to topic `A`. Reports `synced` once every socket has seen a
 * probe, then counts data messages until each socket sees an end message.
 */
import { loadLibrary } from "../library.js";
import { memoryFigures, report, runWorker, workerConfig } from "../worker-channel.js";
import { KIND_DATA, KIND_END, KIND_PROBE, SUBSCRIBED_TOPIC } from "./pubsub-message.js";
import type { PubSubConfig } from "./config.js";

runWorker(async () => {
  const config = workerConfig<PubSubConfig>();
  const lib = await loadLibrary(config.impl === "raw-bare" ? "raw-async" : config.impl);
  let unsynced = config.sockets;
  let firstStart = Infinity;
  let lastEnd = 0;
  let wrongTopic = 0;

  const runOne = async (): Promise<number> => {
    const subscriber = new lib.Subscriber({ linger: 0 });
    subscriber.connect(config.endpoint);
    subscriber.subscribe(SUBSCRIBED_TOPIC);
    let synced = false;
    let count = 0;
    for await (const [message] of subscriber) {
      const kind = message![1];
      if (message![0] !== 0x41) wrongTopic++;
      if (kind === KIND_DATA) {
        if (count === 0) firstStart = Math.min(firstStart, performance.now());
        count++;
      } else if (kind === KIND_PROBE && !synced) {
        synced = true;
        if (--unsynced === 0) report({ kind: "synced" });
      } else if (kind === KIND_END) {
        lastEnd = Math.max(lastEnd, performance.now());
        break;
      }
    }
    subscriber.close();
    return count;
  };

  const counts = await Promise.all(Array.from({ length: config.sockets }, runOne));
  const count = counts.reduce((sum, value) => sum + value, 0);
  report({
    kind: "result",
    count,
    bytes: count * config.size,
    seconds: (lastEnd - firstStart) / 1000,
    wrongTopic,
    ...memoryFigures(),
  });
});
