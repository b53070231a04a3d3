/**
 * DEALER side of the echo case: `clients` dealer sockets in this process,
 * each keeping `window` requests in flight through the ROUTER, for the
 * duration. Reports completed round trips across all clients.
 */
import { loadLibrary } from "../library.js";
import { memoryFigures, report, runWorker, workerConfig } from "../worker-channel.js";
import type { RouterDealerConfig } from "./config.js";

runWorker(async () => {
  const config = workerConfig<RouterDealerConfig>();
  const lib = await loadLibrary(config.impl === "raw-bare" ? "raw-async" : config.impl);
  const payload = Buffer.alloc(config.size, 0x61);
  const dealers = Array.from({ length: config.clients }, () => {
    const dealer = new lib.Dealer({ linger: 0 });
    dealer.connect(config.endpoint);
    return dealer;
  });
  // Warm-up: one round trip per client, so every connection is up before timing.
  await Promise.all(
    dealers.map(async (dealer) => {
      await dealer.send(payload);
      await dealer.receive();
    }),
  );
  const start = performance.now();
  const deadline = start + config.durationMs;
  const counts = await Promise.all(
    dealers.map(async (dealer) => {
      for (let i = 0; i < config.window; i++) await dealer.send(payload);
      let done = 0;
      let inFlight = config.window;
      while (inFlight > 0) {
        await dealer.receive();
        inFlight--;
        done++;
        if (performance.now() < deadline) {
          await dealer.send(payload);
          inFlight++;
        }
      }
      return done;
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  for (const dealer of dealers) dealer.close();
  const count = counts.reduce((sum, value) => sum + value, 0);
  report({ kind: "result", count, bytes: count * config.size, seconds, ...memoryFigures() });
});
