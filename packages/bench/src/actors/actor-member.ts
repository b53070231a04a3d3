/**
 * One member of the benchmark's actor cluster, in a worker thread or a
 * child process: hosts BenchCounter with in-memory state on `inproc://`
 * (a thread: `workerData.bind`) or tcp loopback (a process). `{ op: "members", members }` sets its view, `{ op: "close" }` ends it.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { ActorSystem, type Member, MemoryStorage } from "@skein/service";
import { BenchCounter } from "./bench-actors.js";

type Message = { op: "members"; members: Member[] } | { op: "close" };
const send = (message: object): void => {
  if (isMainThread) process.send!(message);
  else parentPort!.postMessage(message);
};
const id = isMainThread ? `process-${process.pid}` : `thread-${process.pid}-${Math.random().toString(36).slice(2)}`;
const system = new ActorSystem({ actors: [BenchCounter], id, storage: new MemoryStorage(), bind: (workerData as { bind?: string } | null)?.bind ?? "tcp://127.0.0.1:0" });
await system.start();
const onMessage = async (message: Message): Promise<void> => {
  if (message.op === "members") {
    await system.setMembers(message.members);
    send({ kind: "members" });
  } else {
    await system.close();
    if (isMainThread) process.disconnect();
    else parentPort!.close();
  }
};
if (isMainThread) process.on("message", (message: Message) => void onMessage(message));
else parentPort!.on("message", (message: Message) => void onMessage(message));
send({ kind: "member", member: system.member });
