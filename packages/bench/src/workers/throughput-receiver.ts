/**
 * PULL side of the throughput case: binds, reports its endpoint, counts
 * messages until the sender's empty end-of-run message, and reports
 * messages, bytes and seconds from the first message to the last.
 */
import { loadLibrary, ImplUnavailableError, type BenchSocketOptions } from "../library.js";
import { memoryFigures, report, runWorker, workerConfig } from "../worker-channel.js";
import { receiveBare } from "../raw/bare-throughput.js";
import { RssSampler } from "./rss-sampler.js";
import type { ThroughputConfig, ThroughputResult } from "./config.js";

runWorker(async () => {
  const config = workerConfig<ThroughputConfig>();
  const sampler = config.sampleRss ? new RssSampler() : null;
  let outcome: { count: number; bytes: number; seconds: number };
  if (config.impl === "raw-bare") {
    outcome = await receiveBare(config.endpoint, (endpoint) => report({ kind: "ready", endpoint }), sampler);
  } else {
    const lib = await loadLibrary(config.impl);
    const options: BenchSocketOptions = {};
    let serverPublicKey: string | undefined;
    if (config.curve) {
      if (lib.curveKeyPair === undefined) throw new ImplUnavailableError(`${config.impl} has no CURVE support`);
      const keys = lib.curveKeyPair();
      serverPublicKey = keys.publicKey;
      options.curveServer = true;
      options.curveSecretKey = keys.secretKey;
    }
    const pull = new lib.Pull(options);
    await pull.bind(config.endpoint);
    report({ kind: "ready", endpoint: pull.lastEndpoint ?? config.endpoint, serverPublicKey });
    let count = 0;
    let bytes = 0;
    let start = 0n;
    for await (const [message] of pull) {
      const size = message!.length;
      if (size === 0) break;
      if (count === 0) start = process.hrtime.bigint();
      count++;
      bytes += size;
      if (sampler !== null) sampler.count = count;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    pull.close();
    outcome = { count, bytes, seconds };
  }
  sampler?.stop();
  const result: ThroughputResult = {
    kind: "result",
    ...outcome,
    ...memoryFigures(),
    ...(sampler !== null ? { rssSamples: sampler.samples } : {}),
  };
  report(result);
});
