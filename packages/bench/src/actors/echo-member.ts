/**
 * The postMessage baseline: a raw worker thread (or child process with
 * `process.send`) keeping a counter per key, no framework. It answers
 * `{ id, key, by, iterations }` with `{ id, value }`.
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { busyWork } from "./bench-actors.js";

interface Call {
  id: number;
  key: string;
  by: number;
  iterations: number;
}

const counts = new Map<string, number>();
const answer = (call: Call): { id: number; value: number } => {
  const count = (counts.get(call.key) ?? 0) + call.by;
  counts.set(call.key, count);
  return { id: call.id, value: call.iterations > 0 ? busyWork(call.iterations) : count };
};
if (isMainThread) {
  process.on("message", (call: Call | { op: "close" }) => {
    if ("op" in call) process.disconnect();
    else process.send!(answer(call));
  });
} else {
  parentPort!.on("message", (call: Call | { op: "close" }) => {
    if ("op" in call) parentPort!.close();
    else parentPort!.postMessage(answer(call));
  });
}
