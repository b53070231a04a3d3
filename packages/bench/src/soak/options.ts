/** Command-line options of `pnpm soak`. */
import { positiveNumber as positive, UsageError } from "../options.js";

export interface SoakOptions {
  minutes: number;
  /** Every this many seconds the connecting side of the next pair is SIGKILLed and restarted. */
  restartSeconds: number;
  /** Every this many seconds every peer reports RSS, heap (after a GC), fds and counters. */
  sampleSeconds: number;
  /** Messages per second of each sending peer. */
  rate: number;
  /** Also write the JSON summary here (optional). */
  json: string;
  help: boolean;
}

export const SOAK_USAGE = `Usage: pnpm soak [options]   (or: node packages/bench/dist/soak.js [options])

  --minutes <n>          how long the traffic runs (default 10; fractions allowed)
  --restart-seconds <n>  every n seconds, SIGKILL the connecting peer of the next pair and restart it (default 10)
  --sample-seconds <n>   every n seconds, sample RSS, heap and fds of every peer (default 5)
  --rate <n>             messages per second of each sending peer (default 1000)
  --json <path>          also write the JSON summary to this file
  --help                 this text`;

export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  const options: SoakOptions = { minutes: 10, restartSeconds: 10, sampleSeconds: 5, rate: 1000, json: "", help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => argv[++i];
    switch (arg) {
      case "--minutes": options.minutes = positive(arg, value()); break;
      case "--restart-seconds": options.restartSeconds = positive(arg, value()); break;
      case "--sample-seconds": options.sampleSeconds = positive(arg, value()); break;
      case "--rate": options.rate = positive(arg, value()); break;
      case "--json": options.json = value() ?? ""; if (options.json === "") throw new UsageError("--json needs a path"); break;
      case "--help": options.help = true; break;
      case "--": break;
      default: throw new UsageError(`unknown option ${arg}`);
    }
  }
  return options;
}
