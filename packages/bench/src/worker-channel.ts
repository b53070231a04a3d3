/**
 * The worker side of the driver protocol: a worker is forked with its
 * configuration as a JSON argument, reports `ready`/`result`/`error` messages
 * over the IPC channel and may wait for commands (`go`, `stop`) from the driver.
 */

/** A message from a worker to the driver. */
export interface WorkerReport {
  kind: string;
  [key: string]: unknown;
}

/** The JSON configuration the driver passed as the first argument. */
export function workerConfig<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("worker started without its JSON configuration argument");
  return JSON.parse(raw) as T;
}

/** Sends a report to the driver. */
export function report<T extends { kind: string }>(message: T): void {
  process.send?.(message);
}

const queued: WorkerReport[] = [];
const waiting = new Map<string, (message: WorkerReport) => void>();
process.on("message", (message: WorkerReport) => {
  const wake = waiting.get(message.kind);
  if (wake !== undefined) {
    waiting.delete(message.kind);
    wake(message);
  } else {
    queued.push(message);
  }
});

/** Resolves with the next driver command of this kind. */
export function command(kind: string): Promise<WorkerReport> {
  const at = queued.findIndex((message) => message.kind === kind);
  if (at >= 0) return Promise.resolve(queued.splice(at, 1)[0]!);
  return new Promise((resolve) => waiting.set(kind, resolve));
}

/** The receiver-side memory figures every result carries. */
export function memoryFigures(): { peakRssMb: number } {
  // resourceUsage().maxRSS is in kilobytes (getrusage ru_maxrss).
  return { peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

/**
 * Runs a worker body: reports its error instead of crashing silently, then
 * disconnects so the process exits once its sockets are closed.
 */
export function runWorker(body: () => Promise<void>): void {
  body().then(
    () => {
      process.disconnect?.();
    },
    (error: unknown) => {
      const unavailable = (error as { code?: string }).code === "BENCH_IMPL_UNAVAILABLE";
      report({ kind: unavailable ? "unavailable" : "error", message: String((error as Error)?.message ?? error) });
      process.exitCode = unavailable ? 0 : 1;
      process.disconnect?.();
      // A socket left open by the failure must not keep the worker alive.
      setTimeout(() => process.exit(), 200).unref();
    },
  );
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `send` every `intervalMs` until the driver's command `kind` arrives: a publisher's probes
 * before `go`, its end messages before `stop` (a publisher may lose any message).
 */
export async function repeatUntil(kind: string, intervalMs: number, send: () => Promise<void>): Promise<void> {
  let arrived = false;
  void command(kind).then(() => (arrived = true));
  while (!arrived) {
    await send();
    await sleep(intervalMs);
  }
}
