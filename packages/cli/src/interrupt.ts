/** Ctrl-C and SIGTERM end the long-running commands (`recv`, `monitor`, `proxy`) cleanly, with exit code 0. */

/** Calls `stop` on the first SIGINT or SIGTERM; returns a function that removes the handlers. */
export function onInterrupt(stop: (signal: NodeJS.Signals) => void): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    dispose();
    stop(signal);
  };
  const dispose = (): void => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  return dispose;
}
