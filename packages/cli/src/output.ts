/** Where a command writes: lines to stdout and stderr (the tests and embedders pass their own). */
export interface Output {
  /** One line of results, to stdout. */
  out(line: string): void;
  /** One line of diagnostics (bound endpoints, errors), to stderr. */
  err(line: string): void;
}

/** The process's stdout and stderr. */
export const STDIO: Output = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};
