/** `skein recv`: receive messages and print one line each. */
import type { Socket } from "@skein/core";
import { integerOption, parseArgs } from "../args.js";
import { Deadline } from "../deadline.js";
import { ExitCode, UsageError } from "../exit-code.js";
import { encodingOf, formatMessage } from "../frames.js";
import { onInterrupt } from "../interrupt.js";
import { attach, createSocket } from "../socket-types.js";
import type { Command } from "./command.js";

export const recv: Command = {
  name: "recv",
  summary: "receive messages on a socket and print one line each",
  usage: `usage: skein recv <type> <endpoint> [--bind] [--count N] [--subscribe PREFIX]... [--timeout MS] [--hex | --base64]
  Prints one line per message, frames separated by spaces (text as is, binary frames as 0x…,
  or every frame in hex or base64). Runs until --count messages, --timeout, or Ctrl-C (exit 0).
  --bind            bind the endpoint (default: connect); prints "bound <endpoint>" on stderr
  --count N         stop after N messages
  --subscribe P     sub: subscribe to prefix P (repeatable; none: everything)
  --timeout MS      bound the whole command; exit 3 when it runs out
  --hex, --base64   print every frame in hex or base64
example:
  skein recv pull tcp://127.0.0.1:5555 --bind --count 1`,

  async run(argv, io) {
    const args = parseArgs(argv, ["count", "subscribe", "timeout"], ["bind", "hex", "base64"]);
    const [type, endpoint, extra] = args.positionals;
    if (type === undefined) throw new UsageError("a socket type is required");
    if (endpoint === undefined) throw new UsageError("an endpoint is required");
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    const encoding = encodingOf(args.flags);
    const count = integerOption(args, "count", 0);
    const deadline = new Deadline(integerOption(args, "timeout", 0));
    const socket = createSocket(type, { linger: 0 });
    const readable = socket as unknown as Socket & { receive(): Promise<Buffer[]> };
    let interrupted = false;
    const dispose = onInterrupt(() => {
      interrupted = true;
      socket.close();
    });
    try {
      const prefixes = args.options.get("subscribe");
      if ("subscribe" in socket) (socket as unknown as { subscribe(...p: string[]): void }).subscribe(...(prefixes ?? []));
      else if (prefixes !== undefined) throw new UsageError("--subscribe is for sub sockets");
      if (typeof readable.receive !== "function") throw new UsageError(`a ${type} socket cannot receive`);
      await attach(socket, endpoint, args.flags.has("bind"), deadline, io);
      for (let received = 0; count === 0 || received < count; received++) {
        const message = await deadline.race(readable.receive(), `waiting for message ${received + 1}`);
        io.out(formatMessage(message, encoding));
      }
      return ExitCode.OK;
    } catch (error) {
      if (interrupted) return ExitCode.OK;
      throw error;
    } finally {
      dispose();
      socket.close();
    }
  },
};
