/**
 * Raw rates of the actor storages and a crash check, for docs/benchmarks.md:
 *
 *   node packages/bench/dist/actors/storage-rates.js [--sqlite <better-sqlite3 folder>] [--only memory|file|file-fsync|sqlite]
 *
 * Per storage: sequential writes of one key (each awaited, as a turn's save
 * is), writes of 32 keys at once, and reads (an activation's load); then
 * `--crash` children killed with SIGKILL while writing, after which every
 * key must read as a whole state at the version the child last reported or
 * the one after (the write in flight). No timing is asserted.
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ActorStorage, FileStorage, MemoryStorage, type SqliteDatabase, SqliteStorage } from "@skein/service";

const STATE = JSON.stringify({ items: { tea: 2, scone: 3 }, spentCents: 1150, orders: ["order-1", "order-2"] });

type Kind = "memory" | "file" | "file-fsync" | "sqlite";

function open(kind: Kind, folder: string, sqlite: string | undefined): ActorStorage {
  if (kind === "memory") return new MemoryStorage();
  if (kind === "file") return new FileStorage(folder);
  if (kind === "file-fsync") return new FileStorage(folder, { fsync: true });
  const Database = createRequire(import.meta.url)(sqlite!) as new (file: string) => SqliteDatabase;
  return new SqliteStorage(new Database(join(folder, "actors.db")));
}

async function rate(count: number, body: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await body(i);
  return count / ((performance.now() - start) / 1000);
}

async function measure(kind: Kind, sqlite: string | undefined): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), "skein-storage-rates-"));
  try {
    const storage = open(kind, folder, sqlite);
    const n = kind === "file-fsync" ? 200 : 3000;
    const sequential = await rate(n, (i) => storage.writeState("Bench", "one", STATE, i));
    const keys = 32;
    const versions = new Array<number>(keys).fill(0);
    const start = performance.now();
    await Promise.all(Array.from({ length: keys }, async (_, k) => {
      for (let i = 0; i < n / keys; i++) versions[k] = await storage.writeState("Bench", `k${k}`, STATE, versions[k]!);
    }));
    const parallel = n / ((performance.now() - start) / 1000);
    const reads = await rate(n, (i) => storage.readState("Bench", `k${i % keys}`));
    await storage.close();
    return `| ${kind} | ${Math.round(sequential).toLocaleString("en-US")} | ${Math.round(parallel).toLocaleString("en-US")} | ${Math.round(reads).toLocaleString("en-US")} |`;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Child: writes versions of 4 keys round-robin as fast as it can, reporting each acknowledged version. */
async function crashChild(kind: Kind, folder: string, sqlite: string | undefined): Promise<void> {
  const storage = open(kind, folder, sqlite);
  const versions = [0, 0, 0, 0];
  for (let i = 0; ; i++) {
    const k = i % 4;
    versions[k] = await storage.writeState("Crash", `k${k}`, JSON.stringify({ k, version: versions[k]! + 1, pad: "x".repeat(2000) }), versions[k]!);
    process.send!({ k, version: versions[k] });
  }
}

async function crashCheck(kind: Kind, sqlite: string | undefined, rounds: number): Promise<string> {
  let bad = 0;
  for (let round = 0; round < rounds; round++) {
    const folder = mkdtempSync(join(tmpdir(), "skein-storage-crash-"));
    const child = fork(fileURLToPath(import.meta.url), ["--crash-child", kind, folder, sqlite ?? ""], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const acknowledged = [0, 0, 0, 0];
    let messages = 0;
    const killAfter = 50 + Math.floor(Math.random() * 400);
    await new Promise<void>((resolve) => {
      child.on("message", ({ k, version }: { k: number; version: number }) => {
        acknowledged[k] = version;
        if (++messages === killAfter) child.kill("SIGKILL");
      });
      child.once("exit", () => resolve());
    });
    const storage = open(kind, folder, sqlite);
    for (let k = 0; k < 4; k++) {
      const { json, version } = await storage.readState("Crash", `k${k}`);
      const parsed = JSON.parse(json) as { version: number };
      if (parsed.version !== version || version < acknowledged[k]! || version > acknowledged[k]! + 1) bad++;
    }
    await storage.close();
    rmSync(folder, { recursive: true, force: true });
  }
  return `${kind}: ${rounds} writers killed with SIGKILL mid-write, ${rounds * 4} keys read back, ${bad} torn or lost`;
}

const args = process.argv.slice(2);
if (args[0] === "--crash-child") {
  await crashChild(args[1] as Kind, args[2]!, args[3] || undefined);
} else {
  const at = args.indexOf("--sqlite");
  const sqlite = at >= 0 ? args[at + 1] : process.env.SKEIN_BETTER_SQLITE3;
  const only = args.indexOf("--only");
  const all: Kind[] = ["memory", "file", "file-fsync", ...(sqlite === undefined ? [] : ["sqlite" as const])];
  const kinds = only >= 0 ? all.filter((kind) => kind === args[only + 1]) : all;
  console.log("| storage | writes/s, one key, each awaited | writes/s, 32 keys at once | reads/s |\n| --- | ---: | ---: | ---: |");
  for (const kind of kinds) console.log(await measure(kind, sqlite));
  for (const kind of kinds.filter((kind) => kind !== "memory")) console.log(await crashCheck(kind, sqlite, 10));
}
