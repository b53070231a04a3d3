/**
 * Runs one app as a process: starts it, tells the parent (if forked) it is
 * ready, and stops gracefully on SIGINT or SIGTERM.
 */
import type { App } from "@skein/service";

/** Starts `app` and wires the signals; resolves once it is serving. */
export async function runApp(app: App): Promise<void> {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`[${app.name}] ${signal}: draining and stopping`);
    app.stop().then(
      () => {
        console.log(`[${app.name}] stopped`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`[${app.name}] stop failed:`, error);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  try {
    await app.start();
  } catch (error) {
    console.error(`[${app.name}] cannot start:`, error);
    process.exit(1);
  }
  const { rpc, events, queues } = app.endpoints;
  const listening = [...rpc.map((e) => `rpc ${e}`), ...events.map((e) => `events ${e}`), ...Object.entries(queues).map(([q, e]) => `queue ${q} ${e.join(",")}`)];
  console.log(`[${app.name}] ready${listening.length > 0 ? `: ${listening.join(", ")}` : ""}`);
  process.send?.({ ready: app.name });
}
