/** Command-line options of `pnpm bench`. */
export interface BenchOptions {
  quick: boolean;
  /** Case-insensitive substrings; a case runs if its id contains any of them. */
  filters: string[];
  /** Only these implementation labels (`skein`, `zeromq`, `raw-bare`, `raw-async`, interop labels). */
  impls: string[];
  repeat: number;
  durationMs: number;
  json: string;
  micro: boolean;
  /** `--micro` given: run the micro-benchmarks even in quick mode. */
  microAsked: boolean;
  soakCount: number;
  soakRate: number;
  help: boolean;
}

/** Thrown for an unknown or malformed option, with the usage text to show. */
export class UsageError extends Error {
  readonly code = "BENCH_USAGE";
}

/** Usage text printed by `--help` and after a usage error. */
export const USAGE = `Usage: pnpm bench [options]   (or: node packages/bench/dist/run.js [options])

  --quick            small matrix, 1 repeat, short runs: under a minute
  --filter <text>    only cases whose id contains <text> (repeatable), e.g. "tcp 16 B", "soak"
  --impl <list>      only these implementations, comma-separated: skein,zeromq,raw-bare,raw-async
  --repeat <n>       repeats per case and implementation; the median is reported (default 3, quick 1)
  --duration <ms>    how long each sender sends (default 1000, quick 300)
  --json <path>      where to write the results (default bench-results/latest.json at the repo root)
  --no-micro         skip the frame encoder/decoder micro-benchmarks (vitest bench; full mode runs them)
  --micro            run them in --quick mode too (adds ~20 s)
  --soak-count <n>   messages in the soak case (default 10000000)
  --soak-rate <n>    messages per second in the soak case (default 250000)
  --help             this text`;

export function positiveNumber(name: string, value: string | undefined): number {
  const parsed = Number(value);
  if (value === undefined || !Number.isFinite(parsed) || parsed <= 0) throw new UsageError(`${name} needs a positive number, got "${value ?? ""}"`);
  return parsed;
}

/** Parses `argv` (without the node and script paths). */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    quick: false,
    filters: [],
    impls: [],
    repeat: 0,
    durationMs: 0,
    json: "",
    micro: true,
    microAsked: false,
    soakCount: 10_000_000,
    soakRate: 250_000,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case "--quick":
        options.quick = true;
        break;
      case "--filter":
        options.filters.push(value().toLowerCase());
        break;
      case "--impl":
        options.impls.push(...value().split(",").map((s) => s.trim()).filter((s) => s.length > 0));
        break;
      case "--repeat":
        options.repeat = Math.round(positiveNumber(arg, value()));
        break;
      case "--duration":
        options.durationMs = positiveNumber(arg, value());
        break;
      case "--json":
        options.json = value();
        break;
      case "--no-micro":
        options.micro = false;
        break;
      case "--micro":
        options.microAsked = true;
        break;
      case "--soak-count":
        options.soakCount = Math.round(positiveNumber(arg, value()));
        break;
      case "--soak-rate":
        options.soakRate = positiveNumber(arg, value());
        break;
      case "--help":
      case "-h":
        options.help = true;
        break;
      case "--":
        break;
      default:
        throw new UsageError(`unknown option "${arg}"`);
    }
  }
  // Quick mode stays under a minute: the ~20 s of micro-benchmarks only on request.
  if (options.quick && !options.microAsked) options.micro = false;
  if (options.repeat === 0) options.repeat = options.quick ? 1 : 3;
  if (options.durationMs === 0) options.durationMs = options.quick ? 300 : 1000;
  return options;
}
