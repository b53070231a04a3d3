/**
 * Receiver of the epgm:// case: a SUB on the group, subscribed to topic `A`.
 * Reports `synced` on its first probe, then checks each data message's
 * sequence number until an end message: messages missing (a gap, or data
 * sent before the first one seen), out of order, and the socket's PGM
 * counters (NAKs, repairs, lost).
 */
import { memoryFigures, report, runWorker, workerConfig } from "../worker-channel.js";
import { KIND_END, KIND_PROBE, SUBSCRIBED_TOPIC } from "./pubsub-message.js";
import { loadEpgmLibrary } from "./epgm-library.js";
import { epgmSequence } from "./epgm-message.js";
import type { EpgmConfig } from "./config.js";

/**
 * Messages the SUB queues: a repair that fills a gap releases every packet held behind it at once
 * (up to 16384), more than the default 1000; the note's `queue full` counts what is dropped here.
 */
const EPGM_RECEIVE_HWM = 100_000;

runWorker(async () => {
  const config = workerConfig<EpgmConfig>();
  const lib = await loadEpgmLibrary(config.impl);
  // The sender's rate, as a libzmq receiver needs to size its window (docs/epgm.md).
  const subscriber = new lib.Subscriber({ linger: 0, rate: config.rate, receiveHighWaterMark: EPGM_RECEIVE_HWM });
  subscriber.subscribe(SUBSCRIBED_TOPIC);
  subscriber.connect(config.endpoint);
  report({ kind: "ready" });
  let synced = false;
  let count = 0;
  let expected = 0;
  let missing = 0;
  let outOfOrder = 0;
  let first = 0;
  let last = 0;
  for await (const [message] of subscriber) {
    const sequence = epgmSequence(message!);
    if (sequence >= 0) {
      if (count === 0) first = performance.now();
      last = performance.now();
      count++;
      if (sequence < expected) outOfOrder++;
      else missing += sequence - expected;
      expected = Math.max(expected, sequence + 1);
    } else if (message![1] === KIND_PROBE && !synced) {
      synced = true;
      report({ kind: "synced" });
    } else if (message![1] === KIND_END) {
      break;
    }
  }
  const statistics = subscriber.pgmStatistics ?? null;
  subscriber.close();
  report({ kind: "result", count, bytes: count * config.size, seconds: (last - first) / 1000, missing, outOfOrder, statistics, ...memoryFigures() });
});
