/**
 * Actor benchmarks: closed-loop calls (`concurrency` loops, each calling its
 * own key and awaiting the reply before the next call) for `durationMs`,
 * through skein's virtual actors, raw postMessage (or process.send) to
 * workers, or nact. Reports calls a second and the round trip of each call.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { type ActorStorage, ActorSystem, FileStorage, HashRing, type Member, MemoryStorage, type SqliteDatabase, SqliteStorage } from "@skein/service";
import { ImplUnavailableError } from "../library.js";
import { summarizeLatencies } from "../stats.js";
import { memoryFigures, report, runWorker, workerConfig } from "../worker-channel.js";
import { BenchCounter } from "../actors/bench-actors.js";
import type { ActorBenchConfig } from "../actors/actor-config.js";

type Call = (key: string) => Promise<unknown>;
interface Harness {
  call: Call;
  close(): Promise<void>;
}

const MEMBER = fileURLToPath(new URL("../actors/actor-member.js", import.meta.url));
const ECHO = fileURLToPath(new URL("../actors/echo-member.js", import.meta.url));

runWorker(async () => {
  const config = workerConfig<ActorBenchConfig>();
  const harness = await open(config);
  try {
    // Warm-up: activations made, connections up, code optimised.
    await Promise.all(Array.from({ length: config.concurrency }, (_, i) => harness.call(`k${i}`)));
    const latencies: number[] = [];
    let count = 0;
    const start = performance.now();
    const end = start + config.durationMs;
    await Promise.all(Array.from({ length: config.concurrency }, async (_, i) => {
      const key = `k${i}`;
      while (performance.now() < end) {
        const sent = performance.now();
        await harness.call(key);
        latencies.push((performance.now() - sent) * 1000);
        count++;
      }
    }));
    const seconds = (performance.now() - start) / 1000;
    report({ kind: "result", count, seconds, latency: summarizeLatencies(latencies), ...memoryFigures() });
  } finally {
    await harness.close();
  }
});

async function open(config: ActorBenchConfig): Promise<Harness> {
  const cpu = config.placement === "cpu-one" || config.placement === "cpu-all";
  const iterations = cpu ? config.iterations : 0;
  const members = config.placement === "cpu-all" ? availableParallelism() : config.placement === "cpu-one" ? 1 : 2;
  if (config.impl === "skein") return skein(config, members, iterations);
  if (config.impl === "postMessage") {
    if (config.placement === "local" || config.placement.startsWith("storage")) throw new ImplUnavailableError("postMessage needs a second thread or process");
    return postMessage(config.placement === "processes", members, iterations);
  }
  if (config.impl === "nact") {
    if (config.placement !== "local") throw new ImplUnavailableError("nact runs in one thread");
    return nact();
  }
  throw new ImplUnavailableError(`${config.impl} has no actors`);
}

async function skein(config: ActorBenchConfig, count: number, iterations: number): Promise<Harness> {
  const local = config.placement === "local" || config.placement.startsWith("storage");
  if (local) {
    const folder = mkdtempSync(join(tmpdir(), "skein-bench-actors-"));
    const storage = localStorage(config, folder);
    const system = new ActorSystem({ actors: [BenchCounter], storage });
    await system.start();
    return {
      call: (key) => system.ref(BenchCounter, key).add(1),
      close: async () => {
        await system.close();
        await storage.close();
        rmSync(folder, { recursive: true, force: true });
      },
    };
  }
  const processes = config.placement === "processes";
  // Threads reach each other over inproc:// (across worker threads); processes over tcp loopback.
  const spawned = Array.from({ length: count }, (_, i) => spawn(MEMBER, processes, processes ? undefined : `inproc://skein-bench-actor-${process.pid}-${i}`));
  const views = await Promise.all(spawned.map((member) => member.next((message) => message.kind === "member")));
  const view = views.map((message) => message.member as Member);
  for (const member of spawned) member.send({ op: "members", members: view });
  await Promise.all(spawned.map((member) => member.next((message) => message.kind === "members")));
  const client = new ActorSystem({ members: view, storage: new MemoryStorage() });
  await client.start();
  return {
    call: iterations > 0 ? (key) => client.ref(BenchCounter, key).work(iterations) : (key) => client.ref(BenchCounter, key).add(1),
    close: async () => {
      await client.close();
      for (const member of spawned) member.send({ op: "close" });
      await Promise.all(spawned.map((member) => member.exited));
    },
  };
}

function localStorage(config: ActorBenchConfig, folder: string): ActorStorage {
  if (config.placement === "storage-file") return new FileStorage(folder);
  if (config.placement !== "storage-sqlite") return new MemoryStorage();
  const path = process.env.SKEIN_BETTER_SQLITE3;
  if (path === undefined) throw new ImplUnavailableError("set SKEIN_BETTER_SQLITE3 to an installed better-sqlite3 folder");
  const Database = createRequire(import.meta.url)(path) as new (file: string) => SqliteDatabase;
  return new SqliteStorage(new Database(join(folder, "actors.db")));
}

async function postMessage(processes: boolean, count: number, iterations: number): Promise<Harness> {
  const spawned = Array.from({ length: count }, () => spawn(ECHO, processes));
  const pending = new Map<number, (value: unknown) => void>();
  for (const member of spawned) {
    member.listen((message) => {
      const reply = message as unknown as { id: number; value: unknown };
      const resolve = pending.get(reply.id);
      pending.delete(reply.id);
      resolve?.(reply.value);
    });
  }
  const ring = new HashRing(spawned.map((_, i) => String(i)));
  let nextId = 0;
  return {
    call: (key) => new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      spawned[Number(ring.owner(key))]!.send({ id, key, by: 1, iterations });
    }),
    close: async () => {
      for (const member of spawned) member.send({ op: "close" });
      await Promise.all(spawned.map((member) => member.exited));
    },
  };
}

interface NactModule {
  start(): unknown;
  spawn(parent: unknown, handler: (state: number | undefined, message: { sender: unknown }) => number, name: string): unknown;
  dispatch(target: unknown, message: unknown): void;
  query(target: unknown, make: (sender: unknown) => unknown, timeout: number): Promise<unknown>;
  stop(target: unknown): void;
}

async function nact(): Promise<Harness> {
  const nact = createRequire(import.meta.url)("nact") as NactModule;
  const system = nact.start();
  const actors = new Map<string, unknown>();
  return {
    call: (key) => {
      let actor = actors.get(key);
      if (actor === undefined) {
        actor = nact.spawn(system, (state = 0, message) => {
          nact.dispatch(message.sender, state + 1);
          return state + 1;
        }, key);
        actors.set(key, actor);
      }
      return nact.query(actor, (sender) => ({ sender }), 10_000);
    },
    close: async () => nact.stop(system),
  };
}

interface Spawned {
  send(message: object): void;
  listen(listener: (message: Record<string, unknown>) => void): void;
  next(match: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<void>;
}

/** A worker thread or child process running `file`, with typed message helpers. */
function spawn(file: string, processes: boolean, bind?: string): Spawned {
  const target: Worker | ChildProcess = processes
    ? fork(file, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
    : new Worker(file, { workerData: { bind } });
  const listeners: ((message: Record<string, unknown>) => void)[] = [];
  target.on("message", (message: Record<string, unknown>) => {
    for (const listener of listeners) listener(message);
  });
  const exited = new Promise<void>((resolve) => target.once("exit", () => resolve()));
  return {
    send: (message) => {
      if (target instanceof Worker) target.postMessage(message);
      else target.send(message);
    },
    listen: (listener) => listeners.push(listener),
    next: (match) => new Promise((resolve) => {
      const listener = (message: Record<string, unknown>): void => {
        if (!match(message)) return;
        listeners.splice(listeners.indexOf(listener), 1);
        resolve(message);
      };
      listeners.push(listener);
    }),
    exited,
  };
}

