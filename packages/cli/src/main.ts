/**
 * The `skein` command:
 *
 *   skein recv <type> <endpoint> [--bind] [--count N] [--subscribe P]... [--timeout ms] [--hex]
 *   skein send <type> <endpoint> [--bind] [--wait ms] [--timeout ms] [--hex] [--] frame...
 *   skein keygen
 *   skein gen --out <dir> [-I <dir>]... file.proto...
 *   skein version
 *   skein new <name> [--packages DIR]
 *
 * `recv` prints one line per message (frames separated by spaces); `send`
 * sends one multipart message (a REQ or DEALER also prints the reply).
 */
import { codegenMain } from "@skein/codec";
import { curveKeyPair, version as zmqVersion, type Socket } from "@skein/core";
import { integerOption, parseArgs } from "./args.js";
import { formatMessage } from "./format.js";
import { newProject } from "./new-project.js";
import { UsageError, createSocket } from "./socket-types.js";

const USAGE = `usage:
  skein recv <type> <endpoint> [--bind] [--count N] [--subscribe PREFIX]... [--timeout MS] [--hex]
  skein send <type> <endpoint> [--bind] [--wait MS] [--timeout MS] [--hex] [--] FRAME...
  skein keygen
  skein gen --out DIR [-I DIR]... FILE.proto...
  skein version
  skein new <name> [--packages DIR]
types: pair pub sub xpub xsub req rep dealer router push pull
endpoints: tcp://host:port, ipc:///path, ws://host:port/path`;

/** Where the command writes; the tests pass their own. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const STDIO: Output = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

/** Runs the command line; resolves to the process exit code. */
export async function main(argv: readonly string[], io: Output = STDIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "recv":
        return await receive(rest, io);
      case "send":
        return await send(rest, io);
      case "keygen": {
        const { publicKey, secretKey } = curveKeyPair();
        io.out(`public: ${publicKey}`);
        io.out(`secret: ${secretKey}`);
        return 0;
      }
      case "gen":
        return codegenMain(rest);
      case "new":
        return await newProject(rest, io);
      case "version":
        io.out(`skein ${VERSION} (ZMTP 3.1, behaves as libzmq ${zmqVersion})`);
        return 0;
      case undefined:
      case "help":
      case "--help":
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`skein: ${error.message}\n${USAGE}`);
      return 2;
    }
    // A @skein/core error's message is zeromq's short text; its detail says what went wrong.
    const { message, detail } = error as Error & { detail?: string };
    io.err(`skein: ${detail === undefined ? message : `${message}: ${detail}`}`);
    return 1;
  }
}

const VERSION = "0.1.0";

async function open(type: string, endpoint: string | undefined, bind: boolean, options: Record<string, unknown>, io: Output): Promise<Socket> {
  if (endpoint === undefined) throw new UsageError("an endpoint is required");
  const socket = createSocket(type, options);
  if (bind) {
    await socket.bind(endpoint);
    io.err(`bound ${socket.lastEndpoint}`);
  } else {
    socket.connect(endpoint);
  }
  return socket;
}

async function receive(argv: readonly string[], io: Output): Promise<number> {
  const args = parseArgs(argv, ["count", "subscribe", "timeout"], ["bind", "hex"]);
  const [type, endpoint] = args.positionals;
  if (type === undefined) throw new UsageError("a socket type is required");
  const count = integerOption(args, "count", 0);
  const timeout = integerOption(args, "timeout", 0);
  const socket = await open(type, endpoint, args.flags.has("bind"), { linger: 0, ...(timeout > 0 ? { receiveTimeout: timeout } : {}) }, io);
  try {
    const prefixes = args.options.get("subscribe");
    if ("subscribe" in socket) (socket as unknown as { subscribe(...p: string[]): void }).subscribe(...(prefixes ?? []));
    else if (prefixes !== undefined) throw new UsageError("--subscribe is for sub sockets");
    for (let received = 0; count === 0 || received < count; received++) {
      const message = await (socket as unknown as { receive(): Promise<Buffer[]> }).receive();
      io.out(formatMessage(message, args.flags.has("hex")));
    }
    return 0;
  } finally {
    socket.close();
  }
}

async function send(argv: readonly string[], io: Output): Promise<number> {
  const args = parseArgs(argv, ["wait", "timeout"], ["bind", "hex"]);
  const [type, endpoint, ...frames] = args.positionals;
  if (type === undefined) throw new UsageError("a socket type is required");
  if (frames.length === 0) throw new UsageError("at least one frame to send is required");
  const timeout = integerOption(args, "timeout", 0);
  const wait = integerOption(args, "wait", 0);
  const socket = await open(type, endpoint, args.flags.has("bind"), timeout > 0 ? { receiveTimeout: timeout, sendTimeout: timeout } : {}, io);
  try {
    // PUB/SUB's slow joiner: give subscribers time to subscribe before publishing.
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const writable = socket as unknown as { send(frames: string[]): Promise<void>; receive(): Promise<Buffer[]> };
    await writable.send(frames);
    const kind = type.toLowerCase();
    if (kind === "req" || kind === "dealer") io.out(formatMessage(await writable.receive(), args.flags.has("hex")));
    return 0;
  } finally {
    // The default linger delivers what is queued, even to a peer that connects late.
    socket.close();
  }
}
