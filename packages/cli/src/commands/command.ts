/** What each `skein` subcommand is: a name, its help, and how to run it. */
import type { Output } from "../output.js";

/** One subcommand of `skein`. */
export interface Command {
  /** As typed: `send`, `call`... */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full help: synopsis, options, an example (printed by `--help` and after a usage error). */
  readonly usage: string;
  /** Runs it; resolves to the exit code (see exit-code.ts). */
  run(argv: readonly string[], io: Output): Promise<number>;
}
