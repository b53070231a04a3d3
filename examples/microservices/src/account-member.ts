/**
 * Worker thread: one member of the account actors' cluster. It binds its
 * endpoint from the static member list and shares the state folder with
 * every other member.
 */
import "reflect-metadata";
import { parentPort, workerData } from "node:worker_threads";
import { ActorSystem, FileStorage, type Member } from "@skein/service";
import { CustomerAccount, host } from "./customer-account.js";

const { id, members, storage, bindHost } = workerData as { id: string; members: Member[]; storage: string; bindHost?: string };
host.member = id;
const self = members.find((member) => member.id === id);
if (self?.endpoint === undefined) throw new Error(`member ${id} is not in SKEIN_ACTOR_MEMBERS`);
// With a bind host, bind that address at the listed port and advertise the listed endpoint (a pod's DNS name).
const listed = new URL(self.endpoint);
const bind = bindHost === undefined ? self.endpoint : `tcp://${bindHost}:${listed.port}`;
const system = new ActorSystem({ actors: [CustomerAccount], id, bind, advertise: self.endpoint, members, storage: new FileStorage(storage) });
system.on("error", (error) => console.error(`[${id}] actor error:`, error));
await system.start();
parentPort!.on("message", (message: { op: string }) => {
  if (message.op !== "close") return;
  system.close().then(
    () => parentPort!.close(),
    (error: unknown) => {
      console.error(`[${id}] close failed:`, error);
      process.exitCode = 1;
      parentPort!.close();
    },
  );
});
parentPort!.postMessage({ ready: id });
