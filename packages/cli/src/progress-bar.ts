/** A one-line progress bar for a terminal (`skein bench`). */

/** `[██████░░░░░░] 12/40 30% label`, `width` cells wide. */
export function renderProgress(done: number, total: number, label: string, width = 24): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(fraction * width);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done}/${total} ${percent} ${label}`.trimEnd();
}

/** `[12/40] tcp 16 B / skein: …` as the bench driver prints each run: done, total, and the rest. */
export function parseProgressLine(line: string): { done: number; total: number; label: string } | null {
  const match = /^\[(\d+)\/(\d+)\] (.*)$/.exec(line);
  if (match === null) return null;
  return { done: Number(match[1]), total: Number(match[2]), label: match[3]!.replace(/:.*$/, "") };
}

/** Draws a bar on the last line of a terminal, keeping other lines above it. */
export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  #bar = "";

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
  }

  /** Replaces the bar. */
  update(bar: string): void {
    this.#bar = bar.slice(0, Math.max(10, (this.#stream.columns ?? 80) - 1));
    this.#stream.write(`\r\x1b[K${this.#bar}`);
  }

  /** Prints `line` above the bar. */
  log(line: string): void {
    this.#stream.write(`\r\x1b[K${line}\n${this.#bar}`);
  }

  /** Removes the bar. */
  clear(): void {
    if (this.#bar !== "") this.#stream.write("\r\x1b[K");
    this.#bar = "";
  }
}
