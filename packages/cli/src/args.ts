/** A small argument parser: `--flag`, `--option value` (repeatable), and positionals. */
import { UsageError } from "./exit-code.js";

export interface ParsedArgs {
  positionals: string[];
  flags: Set<string>;
  options: Map<string, string[]>;
}

/**
 * Parses `argv`; `valued` names the options that take a value. Everything
 * after `--` is positional (so frames may start with a dash).
 */
export function parseArgs(argv: readonly string[], valued: readonly string[], flags: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], flags: new Set(), options: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const name = arg.slice(2);
      if (valued.includes(name)) {
        const value = argv[++i];
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
        const list = parsed.options.get(name) ?? [];
        list.push(value);
        parsed.options.set(name, list);
      } else if (flags.includes(name)) {
        parsed.flags.add(name);
      } else {
        throw new UsageError(`unknown option ${arg}`);
      }
    } else {
      parsed.positionals.push(arg);
    }
  }
  return parsed;
}

/** A non-negative integer option, or its default. */
export function integerOption(args: ParsedArgs, name: string, fallback: number): number {
  const text = args.options.get(name)?.at(-1);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} must be a non-negative integer, got ${text}`);
  return value;
}

/** Whether `--help` or `-h` comes before any `--` (after it, it is a frame). */
export function asksForHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}
