/**
 * Receiver of the SWAP drain case: binds the endpoint the sender has been
 * spilling for and takes `sendHighWaterMark + count` messages, checking that
 * each carries the next sequence number. The drain is timed from the bind
 * to the last message.
 */
import { Pull } from "@skein/core";
import { memoryFigures, report, runWorker, workerConfig } from "../worker-channel.js";
import { messageNumber } from "./swap-message.js";
import type { SwapConfig } from "./config.js";

runWorker(async () => {
  const config = workerConfig<SwapConfig>();
  const pull = new Pull({ linger: 0 });
  const total = config.sendHighWaterMark + config.count;
  const start = performance.now();
  await pull.bind(config.endpoint);
  let outOfOrder = 0;
  let received = 0;
  for await (const [message] of pull) {
    if (messageNumber(message!) !== received) outOfOrder++;
    if (++received === total) break;
  }
  const seconds = (performance.now() - start) / 1000;
  pull.close();
  report({ kind: "result", count: received, bytes: received * config.size, seconds, outOfOrder, ...memoryFigures() });
});
