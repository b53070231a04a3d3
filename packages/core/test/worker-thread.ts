/**
 * Real worker threads for the tests of inproc:// across threads. A worker
 * runs a piece of JavaScript with `zmq` (the built package, dist/: a worker
 * cannot load TypeScript), `data` (its workerData) and two helpers in scope:
 * `report(value)` posts to the test, `next()` resolves with the test's next
 * message. The test's own sockets come from ../src; both speak the same
 * cross-thread protocol, and the build is checked to be no older than src.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { within } from "./helpers.js";

const coreEntry = new URL("../dist/index.js", import.meta.url).href;
const srcDir = fileURLToPath(new URL("../src", import.meta.url));
const distDir = fileURLToPath(new URL("../dist", import.meta.url));

function newest(dir: string, suffix: string): number {
  let found = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) found = Math.max(found, newest(file, suffix));
    else if (entry.name.endsWith(suffix)) found = Math.max(found, statSync(file).mtimeMs);
  }
  return found;
}

let checked = false;
/** Throws when dist/ is older than src/ (tests that load the built package call it first). */
export function checkBuild(): void {
  if (checked) return;
  // tsc -b rewrites only the outputs whose source changed: compare newest with newest.
  if (newest(distDir, ".js") < newest(srcDir, ".ts")) {
    throw new Error("packages/core/dist is older than src: run `pnpm build` before the thread tests (workers load dist)");
  }
  checked = true;
}

/** A worker thread under test. */
export interface TestWorker {
  readonly worker: Worker;
  /** The next value the worker reported (rejects if it failed or exited first). */
  report(ms?: number): Promise<unknown>;
  /** Whether a report waits to be taken. */
  hasReport(): boolean;
  /** Sends the worker a value (its `next()` resolves with it). */
  tell(value: unknown): void;
  /** Resolves with the exit code once the thread has ended. */
  exited(ms?: number): Promise<number>;
}

/**
 * Starts `body` (an async function body) in a worker thread, e.g.
 * `startWorker("const s = new zmq.Pull(); s.connect(data.address); report(String((await s.receive())[0]))", { address })`.
 */
export function startWorker(body: string, data: unknown = {}): TestWorker {
  checkBuild();
  const source = `
import * as zmq from ${JSON.stringify(coreEntry)};
import { parentPort, workerData as data } from "node:worker_threads";
const report = (value) => parentPort.postMessage({ value });
const inbox = [];
let waiting = null;
parentPort.on("message", (value) => { if (waiting) { const w = waiting; waiting = null; w(value); } else inbox.push(value); });
parentPort.unref();
const next = () => inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((resolve) => { waiting = resolve; parentPort.ref(); }).finally(() => parentPort.unref());
await (async () => {\n${body}\n})();
`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), { workerData: data });
  const reports: unknown[] = [];
  const waiters: { resolve: (value: unknown) => void; reject: (error: Error) => void }[] = [];
  let failure: Error | null = null;
  let exitCode: number | null = null;
  const exit = new Promise<number>((resolve) => worker.once("exit", resolve));
  const fail = (error: Error): void => {
    failure = error;
    for (const waiter of waiters.splice(0)) waiter.reject(error);
  };
  worker.on("message", (message: { value: unknown }) => {
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter.resolve(message.value);
    else reports.push(message.value);
  });
  worker.on("error", fail);
  void exit.then((code) => {
    exitCode = code;
    fail(failure ?? new Error(`worker exited (code ${code}) before reporting`));
  });
  return {
    worker,
    report: (ms = 10_000) => {
      if (reports.length > 0) return Promise.resolve(reports.shift());
      if (failure !== null && exitCode !== null) return Promise.reject(failure);
      return within(new Promise((resolve, reject) => waiters.push({ resolve, reject })), ms, "worker report");
    },
    hasReport: () => reports.length > 0,
    tell: (value) => worker.postMessage(value),
    exited: (ms = 10_000) => within(exit, ms, "worker exit"),
  };
}
