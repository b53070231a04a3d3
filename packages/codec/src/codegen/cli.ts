/**
 * `skein-codegen --out <dir> [-I <dir>]... <file.proto ...>`: generates
 * TypeScript for `.proto` files (see {@link generateTypeScript}).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CodecError } from "../errors.js";
import { DEFAULT_LONGS, type LongRepresentation } from "../long-representation.js";
import { generateTypeScript } from "./generate.js";

const USAGE = `usage: skein-codegen --out <dir> [-I <include-dir>]... [--runtime <module>] [--longs bigint|number|string] [--no-index] <file.proto ...>

Writes one TypeScript module per .proto file into <dir> (message interfaces and
codecs, enums, service client/server interfaces and descriptors), plus index.ts.

  --out, -o <dir>        output directory (created if missing)
  --include, -I <dir>    extra directory to resolve .proto imports from
  --runtime <module>     module to import the runtime from (default @skein/codec)
  --longs <type>         TypeScript type of 64-bit integer fields: bigint (default,
                         exact), number (decoding beyond 2^53-1 fails) or string
  --no-index             do not write index.ts
  --help, -h             show this help`;

/** Parsed command line of `skein-codegen`. */
export interface CodegenArguments {
  /** Output directory. */
  out: string;
  /** `.proto` files to generate. */
  files: string[];
  /** Import search directories. */
  includeDirs: string[];
  /** Runtime module specifier. */
  runtimeModule: string;
  /** Whether to write index.ts. */
  index: boolean;
  /** Type of 64-bit integer fields. */
  longs: LongRepresentation;
}

/** Thrown for a bad command line; the CLI prints usage and exits with 2. */
export class UsageError extends Error {
  /** Always `"ERR_CODEGEN_USAGE"`. */
  readonly code = "ERR_CODEGEN_USAGE";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parses `skein-codegen` arguments; `null` means help was asked for. */
export function parseArguments(argv: readonly string[]): CodegenArguments | null {
  const parsed: CodegenArguments = { out: "", files: [], includeDirs: [], runtimeModule: "@skein/codec", index: true, longs: DEFAULT_LONGS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("-")) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === "--help" || arg === "-h") return null;
    else if (arg === "--out" || arg === "-o") parsed.out = value();
    else if (arg.startsWith("--out=")) parsed.out = arg.slice("--out=".length);
    else if (arg === "--include" || arg === "-I") parsed.includeDirs.push(value());
    else if (arg.startsWith("-I") && arg.length > 2) parsed.includeDirs.push(arg.slice(2));
    else if (arg === "--runtime") parsed.runtimeModule = value();
    else if (arg === "--no-index") parsed.index = false;
    else if (arg === "--longs" || arg.startsWith("--longs=")) parsed.longs = longsArgument(arg === "--longs" ? value() : arg.slice("--longs=".length));
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else parsed.files.push(arg);
  }
  if (parsed.out === "") throw new UsageError("--out <dir> is required");
  if (parsed.files.length === 0) throw new UsageError("no .proto files given");
  return parsed;
}

function longsArgument(text: string): LongRepresentation {
  if (text === "bigint" || text === "number" || text === "string") return text;
  throw new UsageError(`--longs must be bigint, number or string, got ${text}`);
}

/** Runs the command line; returns the process exit code. */
export function main(argv: readonly string[]): number {
  let args: CodegenArguments | null;
  try {
    args = parseArguments(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`skein-codegen: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (args === null) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const generated = generateTypeScript(args.files, {
      includeDirs: args.includeDirs,
      runtimeModule: args.runtimeModule,
      index: args.index,
      longs: args.longs,
    });
    for (const file of generated) {
      const path = join(args.out, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.contents);
    }
    process.stdout.write(`skein-codegen: wrote ${generated.length} files to ${args.out}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof CodecError)) throw err;
    process.stderr.write(`skein-codegen: ${err.message}\n`);
    return 1;
  }
}
