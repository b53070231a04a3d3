/**
 * Sender of the SWAP cases: a PUSH with `swapDirectory` connected to an
 * endpoint nobody binds yet, so its pipe fills at `sendHighWaterMark` and
 * every further message is spilled to disk. Sends `sendHighWaterMark +
 * count` numbered messages, reports the spill (`spilled`), then keeps the
 * socket open (draining to the receiver once it binds) until `stop`, and
 * reports its SWAP counters (`stopped`).
 */
import { Push } from "@skein/core";
import { ImplUnavailableError } from "../library.js";
import { command, memoryFigures, report, runWorker, workerConfig } from "../worker-channel.js";
import { numberedMessage } from "./swap-message.js";
import type { SwapConfig } from "./config.js";

runWorker(async () => {
  const config = workerConfig<SwapConfig>();
  // No other ZeroMQ implementation has had SWAP since libzmq 3.0.
  if (config.impl !== "skein") throw new ImplUnavailableError(`${config.impl} has no SWAP (libzmq dropped ZMQ_SWAP in 3.0)`);
  const push = new Push({
    sendHighWaterMark: config.sendHighWaterMark,
    swapDirectory: config.directory,
    swapDurable: config.durable,
    swapMaxBytes: Number.MAX_SAFE_INTEGER,
    linger: 0,
  });
  push.connect(config.endpoint);
  const total = config.sendHighWaterMark + config.count;
  // The pipe's share first, untimed: the spill is what is measured.
  let i = 0;
  for (; i < config.sendHighWaterMark; i++) await push.send(numberedMessage(i, config.size));
  const start = performance.now();
  for (; i < total; i++) await push.send(numberedMessage(i, config.size));
  const seconds = (performance.now() - start) / 1000;
  report({ kind: "spilled", spilled: push.swapStats?.spilled ?? 0, seconds, bytes: config.count * config.size, ...memoryFigures() });
  await command("stop");
  const stats = push.swapStats;
  report({ kind: "stopped", drained: stats?.drained ?? 0, left: push.swapLength, discarded: stats?.discarded ?? 0 });
  push.close();
});
