/**
 * The `skein` command: a subcommand (commands/*.ts) per task, `--help` on
 * each, and exit codes that say how it ended (exit-code.ts).
 */
import { asksForHelp } from "./args.js";
import { bench } from "./commands/bench.js";
import { call } from "./commands/call.js";
import type { Command } from "./commands/command.js";
import { gen } from "./commands/gen.js";
import { health } from "./commands/health.js";
import { keygen } from "./commands/keygen.js";
import { monitor } from "./commands/monitor.js";
import { create } from "./commands/new.js";
import { proxy } from "./commands/proxy.js";
import { recv } from "./commands/recv.js";
import { send } from "./commands/send.js";
import { version } from "./commands/version.js";
import { ExitCode, RemoteError, TimeoutError, UnavailableError, UsageError } from "./exit-code.js";
import { STDIO, type Output } from "./output.js";

/** Every subcommand, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [send, recv, call, health, monitor, proxy, bench, keygen, gen, create, version];

const USAGE = `usage: skein <command> [options]   (skein <command> --help for its options and an example)
${COMMANDS.map((command) => `  ${command.name.padEnd(8)} ${command.summary}`).join("\n")}
socket types: pair pub sub xpub xsub req rep dealer router push pull
endpoints: tcp://host:port, ipc:///path, ws://host:port/path
exit codes: 0 ok, 1 error, 2 usage error, 3 --timeout ran out, 4 the remote service answered with an error,
  5 no server could take the call (UNAVAILABLE); skein health: 0 ready (or live), 1 not`;

/** Runs the command line; resolves to the process exit code (see exit-code.ts). */
export async function main(argv: readonly string[], io: Output = STDIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" ? COMMANDS.find((command) => command.name === rest[0]) : undefined;
    if (name === undefined) io.err(USAGE);
    else io.out(topic?.usage ?? USAGE);
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.err(`skein: unknown command "${name}"\n${USAGE}`);
    return ExitCode.USAGE;
  }
  if (asksForHelp(rest) && command !== gen) {
    io.out(command.usage);
    return ExitCode.OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return report(error, command, io);
  }
}

/** Prints a failure and picks its exit code. */
function report(error: unknown, command: Command, io: Output): number {
  if (error instanceof UsageError) {
    io.err(`skein ${command.name}: ${error.message}\n${command.usage}`);
    return ExitCode.USAGE;
  }
  if (error instanceof TimeoutError) {
    io.err(`skein ${command.name}: ${error.message}`);
    return ExitCode.TIMEOUT;
  }
  if (error instanceof RemoteError) {
    io.err(`${error.status}: ${error.message}`);
    return error instanceof UnavailableError ? ExitCode.UNAVAILABLE : ExitCode.REMOTE;
  }
  const code = (error as { code?: unknown } | null)?.code;
  io.err(`skein ${command.name}: ${error instanceof Error ? error.message : String(error)}${typeof code === "string" ? ` (${code})` : ""}`);
  return ExitCode.ERROR;
}
