/** `skein send`: send one multipart message (and print the reply of a REQ or DEALER). */
import type { Socket } from "@skein/core";
import { integerOption, parseArgs } from "../args.js";
import { Deadline } from "../deadline.js";
import { ExitCode, UsageError } from "../exit-code.js";
import { decodeFrames, encodingOf, formatMessage } from "../frames.js";
import { attach, closeWithin, createSocket, HandshakenPeers } from "../socket-types.js";
import type { Command } from "./command.js";

export const send: Command = {
  name: "send",
  summary: "send one multipart message (req and dealer print the reply)",
  usage: `usage: skein send <type> <endpoint> [--bind] [--wait MS] [--timeout MS] [--hex | --base64] [--] FRAME...
  Sends one message, one frame per FRAME argument; req and dealer then print the reply.
  --bind            bind the endpoint (default: connect); prints "bound <endpoint>" on stderr
  --wait MS         wait MS before sending (PUB/SUB's slow joiner: let subscribers subscribe)
  --timeout MS      bound the whole command: the peer's handshake, the send, the reply and the
                    linger of the message at close; exit 3 when it runs out (also when no peer is
                    connected to take the message). Without it a send that connects waits for its
                    peer as long as it takes.
  --hex, --base64   each FRAME is hex (0x optional) or base64: binary frames; a reply is printed so too
  --                the FRAMEs after it may start with a dash
example:
  skein send push tcp://127.0.0.1:5555 --hex 00ff 0x68656c6c6f`,

  async run(argv, io) {
    const args = parseArgs(argv, ["wait", "timeout"], ["bind", "hex", "base64"]);
    const [type, endpoint, ...texts] = args.positionals;
    if (type === undefined) throw new UsageError("a socket type is required");
    if (endpoint === undefined) throw new UsageError("an endpoint is required");
    if (texts.length === 0) throw new UsageError("at least one frame to send is required");
    const encoding = encodingOf(args.flags);
    const frames = decodeFrames(texts, encoding);
    const wait = integerOption(args, "wait", 0);
    const deadline = new Deadline(integerOption(args, "timeout", 0));
    const socket = createSocket(type);
    const writable = socket as unknown as Socket & { send(frames: Buffer[]): Promise<void>; receive(): Promise<Buffer[]> };
    if (typeof writable.send !== "function") throw new UsageError(`a ${type} socket cannot send`);
    // Registered before connecting so that an early handshake is not missed.
    const peers = new HandshakenPeers(socket);
    try {
      await attach(socket, endpoint, args.flags.has("bind"), deadline, io);
      // With a deadline, success means a peer took the connection: a message
      // queued for nobody is a timeout, not a silent exit 0.
      if (deadline.bounded) await deadline.race(peers.connected(), `waiting for a peer at ${endpoint}`);
      if (wait > 0) await deadline.sleep(wait, "during --wait");
      await deadline.race(writable.send(frames), `sending to ${endpoint}`);
      // The peer may have left meanwhile: then the message waits for the next one, within the deadline.
      if (deadline.bounded) await deadline.race(peers.connected(), `waiting for a peer at ${endpoint} to take the message`);
      const kind = type.toLowerCase();
      if (kind === "req" || kind === "dealer") {
        io.out(formatMessage(await deadline.race(writable.receive(), `waiting for the reply from ${endpoint}`), encoding));
      }
      return ExitCode.OK;
    } finally {
      // Linger delivers what is still queued, within what is left of --timeout (0 once it ran out).
      closeWithin(socket, deadline);
    }
  },
};
