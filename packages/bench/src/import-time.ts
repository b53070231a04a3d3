/**
 * Import time (docs/benchmarks.md, "Import time (session 5)"): what loading
 * `@skein/core` costs a fresh Node process, next to loading the `zeromq`
 * package and to a bare `node -e ''`, in one run with the targets
 * interleaved (run outermost), so a noisy stretch of a shared machine hits
 * every target alike.
 *
 *     node dist/import-time.js [runs=21] [--only skein,zeromq,...] [--variant label=path/to/index.js ...]
 *
 * `--variant` adds a target that imports that file (another build of
 * packages/core, e.g. main's in a second worktree), or requires it if it
 * ends in `.cjs`: an A/B in the same run.
 * Each run spawns one `node -e` per target. Wall is spawn to exit, measured
 * here; CPU is the child's whole `process.cpuUsage()` (user + system, since
 * the process started), printed by the child just before it exits. The
 * table gives medians and the ratio of each median to `zeromq`'s.
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { median } from "./stats.js";

interface Target {
  readonly name: string;
  /** The program `node -e` runs; it ends by printing the process's CPU time. */
  readonly script: string;
  readonly type: "commonjs" | "module";
}

const REPORT = `const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000))`;

const TARGETS: readonly Target[] = [
  { name: "bare node", script: REPORT, type: "commonjs" },
  { name: "zeromq (require)", script: `require("zeromq"); ${REPORT}`, type: "commonjs" },
  { name: "skein (require)", script: `require("@skein/core"); ${REPORT}`, type: "commonjs" },
  { name: "skein (import)", script: `await import("@skein/core"); ${REPORT}`, type: "module" },
];

function runOnce(target: Target): { wallMs: number; cpuMs: number } {
  const start = performance.now();
  const child = spawnSync(process.execPath, [`--input-type=${target.type}`, "-e", target.script], {
    cwd: import.meta.dirname,
    encoding: "utf8",
  });
  const wallMs = performance.now() - start;
  if (child.status !== 0) throw new Error(`${target.name} failed (${child.status}): ${child.stderr}`);
  return { wallMs, cpuMs: Number(child.stdout) };
}

function main(): void {
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? "").split(",") : null;
  const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 21);
  const variants: Target[] = [];
  args.forEach((arg, i) => {
    if (arg !== "--variant") return;
    const [label, path] = (args[i + 1] ?? "").split("=") as [string, string | undefined];
    if (path === undefined) throw new Error("--variant takes label=path/to/index.js");
    variants.push(
      path.endsWith(".cjs")
        ? { name: `${label} (require)`, script: `require(${JSON.stringify(resolve(path))}); ${REPORT}`, type: "commonjs" }
        : { name: `${label} (import)`, script: `await import(${JSON.stringify(pathToFileURL(resolve(path)).href)}); ${REPORT}`, type: "module" },
    );
  });
  const named = only === null ? TARGETS : TARGETS.filter((t) => only.some((o) => t.name.includes(o)));
  const targets = [...named, ...variants];
  const samples = new Map(targets.map((t) => [t.name, { wall: [] as number[], cpu: [] as number[] }]));
  const loadBefore = loadavg()[0]!;
  for (const target of targets) runOnce(target); // warm the file cache
  for (let run = 0; run < runs; run++) {
    for (const target of targets) {
      const { wallMs, cpuMs } = runOnce(target);
      samples.get(target.name)!.wall.push(wallMs);
      samples.get(target.name)!.cpu.push(cpuMs);
    }
  }
  const loadAfter = loadavg()[0]!;
  const zeromq = samples.get("zeromq (require)");
  const zWall = zeromq === undefined ? NaN : median(zeromq.wall);
  const zCpu = zeromq === undefined ? NaN : median(zeromq.cpu);
  console.log(`import time, median of ${runs} runs each (interleaved), load average ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)}, node ${process.version}`);
  const width = Math.max(18, ...targets.map((t) => t.name.length));
  console.log(`${"target".padEnd(width)} ${"wall ms".padStart(8)} ${"cpu ms".padStart(8)} ${"wall/zmq".padStart(9)} ${"cpu/zmq".padStart(8)}`);
  for (const [name, { wall, cpu }] of samples) {
    const w = median(wall);
    const c = median(cpu);
    console.log(`${name.padEnd(width)} ${w.toFixed(0).padStart(8)} ${c.toFixed(0).padStart(8)} ${(w / zWall).toFixed(2).padStart(9)} ${(c / zCpu).toFixed(2).padStart(8)}`);
  }
}

main();
