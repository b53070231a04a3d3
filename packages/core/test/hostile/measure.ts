/**
 * Measurements shared by the hostile-peer tests: heap after a forced GC, open
 * file descriptors, and a heap bound check that says what it measured.
 * The `hostile/` folders run with `--expose-gc` (see vitest.config.ts).
 */
import { readdirSync } from "node:fs";

/** Heap in use after full collections, once the event loop has settled. */
export async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("hostile tests need --expose-gc (set in vitest.config.ts execArgv)");
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** External memory (Buffers outside the V8 heap) after full collections. */
export async function settledExternal(): Promise<number> {
  await settledHeap();
  const usage = process.memoryUsage();
  return usage.external + usage.arrayBuffers;
}

/** Open file descriptors of this process (Linux: /proc/self/fd). */
export function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Megabytes with one decimal, for messages and docs figures. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A snapshot of heap, external memory and fds, to compare before and after an attack. */
export interface Footprint {
  heap: number;
  external: number;
  fds: number;
}

export async function footprint(): Promise<Footprint> {
  const heap = await settledHeap();
  const usage = process.memoryUsage();
  return { heap, external: usage.external + usage.arrayBuffers, fds: openFds() };
}

/** One line for a test's log and for docs/reliability.md. */
export function describeFootprint(before: Footprint, after: Footprint): string {
  return `heap ${mb(before.heap)} -> ${mb(after.heap)}, external ${mb(before.external)} -> ${mb(after.external)}, fds ${before.fds} -> ${after.fds}`;
}
