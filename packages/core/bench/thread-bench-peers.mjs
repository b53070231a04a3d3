// Shared by the thread benchmarks (thread-transport.bench.mjs, thread-roundtrip.bench.mjs): how each
// starts itself as a worker, and the skein echo peer a round trip goes to, in another thread or in
// this one. Not a benchmark itself.

import { Worker, parentPort } from "node:worker_threads";

/** Starts `script` (the benchmark's own file) as a worker with `data`; a worker error ends the run. */
export function startWorker(script, data, transferList = []) {
  const w = new Worker(script, { workerData: data, transferList });
  w.on("error", (error) => {
    console.error(error);
    process.exit(1);
  });
  return w;
}

/**
 * Binds a skein `kind` socket (Reply or Router) at `address` that sends back what it gets: in a worker
 * started with `{ kind: workerKind, address }` (which calls {@link serveEcho}) when `acrossThreads`,
 * else in this thread. Resolves, once bound, with what ends it.
 */
export async function echoPeer(zmq, kind, address, acrossThreads, start, workerKind) {
  if (acrossThreads) {
    const w = start({ kind: workerKind, address });
    await new Promise((resolve) => w.once("message", resolve));
    return () => w.terminate();
  }
  const socket = new zmq[kind]();
  await socket.bind(address);
  void (async () => {
    for await (const msg of socket) await socket.send(msg);
  })();
  return async () => socket.close();
}

/** The worker side of {@link echoPeer}: binds, says "bound", sends back what it gets. */
export async function serveEcho(zmq, kind, address) {
  const socket = new zmq[kind]();
  await socket.bind(address);
  parentPort.postMessage("bound");
  for await (const msg of socket) await socket.send(msg);
}
