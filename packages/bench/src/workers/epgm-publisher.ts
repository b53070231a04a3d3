/**
 * Sender of the epgm:// case: an XPUB with `noDrop` and the case's `rate`,
 * so `send()` waits while PGM's rate limit holds packets back instead of
 * dropping at the high-water mark. Sends probes until the driver says `go`
 * (the subscriber has joined the group), then numbered data messages for
 * the duration, then end messages until `stop` (multicast may lose any
 * packet, the end one included), and its PGM counters (`stopped`).
 */
import { repeatUntil, report, runWorker, workerConfig } from "../worker-channel.js";
import { KIND_DATA, KIND_END, KIND_PROBE, pubsubMessage } from "./pubsub-message.js";
import { loadEpgmLibrary } from "./epgm-library.js";
import { epgmDataMessage } from "./epgm-message.js";
import type { EpgmConfig } from "./config.js";

runWorker(async () => {
  const config = workerConfig<EpgmConfig>();
  const lib = await loadEpgmLibrary(config.impl);
  const publisher = new lib.XPublisher({ linger: 0, rate: config.rate, noDrop: true });
  publisher.connect(config.endpoint);
  report({ kind: "ready" });

  const probe = pubsubMessage("A", KIND_PROBE, config.size);
  await repeatUntil("go", 20, () => publisher.send(probe));

  const template = pubsubMessage("A", KIND_DATA, config.size);
  const start = performance.now();
  const end = start + config.durationMs;
  let sent = 0;
  // A fresh buffer a message: the socket keeps a reference until the packet is built.
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) await publisher.send(epgmDataMessage(template, sent++));
  }
  const seconds = (performance.now() - start) / 1000;
  report({ kind: "sent", sent, seconds });

  const endMessage = pubsubMessage("A", KIND_END, config.size);
  await repeatUntil("stop", 50, () => publisher.send(endMessage));
  // After the tail: repairs asked for late are counted too.
  report({ kind: "stopped", statistics: publisher.pgmStatistics ?? null });
  publisher.close();
});
