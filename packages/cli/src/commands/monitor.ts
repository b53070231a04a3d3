/** `skein monitor`: open a socket and print its monitor events as they happen. */
import type { Event, EventType } from "@skein/core";
import { integerOption, parseArgs } from "../args.js";
import { Deadline } from "../deadline.js";
import { ExitCode, UsageError } from "../exit-code.js";
import { onInterrupt } from "../interrupt.js";
import { attach, createSocket } from "../socket-types.js";
import type { Command } from "./command.js";

/** Every monitor event type, as `zeromq` v6 names them. */
const EVENT_TYPES: readonly EventType[] = [
  "accept", "accept:error", "bind", "bind:error", "connect", "connect:delay", "connect:retry", "close", "close:error",
  "disconnect", "end", "handshake", "handshake:error:protocol", "handshake:error:auth", "handshake:error:other", "unknown",
];

export const monitor: Command = {
  name: "monitor",
  summary: "open a socket of a given type and print its socket events (connect, handshake, errors...)",
  usage: `usage: skein monitor [<endpoint>] --type TYPE [--connect ENDPOINT]... [--bind ENDPOINT]... [--count N] [--timeout MS]
  Opens a TYPE socket, connects it to <endpoint> and each --connect, binds it to each --bind, and prints
  one line per monitor event: "<event> <address>" (connect:retry adds "retry in <ms> ms", errors add
  "<code> <message>"). Pick a TYPE the peer accepts (sub for a pub, dealer for a router...): ZMTP checks
  it at the handshake, and a mismatch shows as handshake:error:protocol. Runs until --count events,
  --timeout (exit 3), or Ctrl-C (exit 0). Messages the socket receives are not read.
  --type TYPE       socket type: pair pub sub xpub xsub req rep dealer router push pull
  --connect EP      connect to EP (repeatable)
  --bind EP         bind EP (repeatable); prints "bound <endpoint>" on stderr
  --count N         stop after N events
  --timeout MS      bound the whole command; exit 3 when it runs out
example:
  skein monitor tcp://127.0.0.1:5556 --type sub`,

  async run(argv, io) {
    const args = parseArgs(argv, ["type", "connect", "bind", "count", "timeout"], []);
    const type = args.options.get("type")?.at(-1);
    if (type === undefined) throw new UsageError("--type is required: the peer checks the socket type at the handshake (e.g. sub for a pub)");
    const connects = [...args.positionals, ...(args.options.get("connect") ?? [])];
    const binds = args.options.get("bind") ?? [];
    if (connects.length + binds.length === 0) throw new UsageError("an endpoint to connect to (or --bind ENDPOINT) is required");
    const count = integerOption(args, "count", 0);
    const deadline = new Deadline(integerOption(args, "timeout", 0));
    const socket = createSocket(type, { linger: 0 });
    let seen = 0;
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const print = (event: Event): void => {
      io.out(describeEvent(event));
      if (count > 0 && ++seen >= count) stop();
    };
    // Listeners, not the async iterator: they see every event synchronously, none is dropped.
    for (const eventType of EVENT_TYPES) socket.events.on(eventType, print);
    const dispose = onInterrupt(() => stop());
    try {
      for (const endpoint of binds) await attach(socket, endpoint, true, deadline, io);
      for (const endpoint of connects) await attach(socket, endpoint, false, deadline, io);
      await deadline.race(stopped, count > 0 ? `before ${count} events` : "while monitoring");
      return ExitCode.OK;
    } finally {
      dispose();
      for (const eventType of EVENT_TYPES) socket.events.off(eventType, print);
      socket.close();
    }
  },
};

/** `handshake tcp://127.0.0.1:5556`, `connect:retry tcp://… retry in 200 ms`, `handshake:error:protocol tcp://… EPROTO …`. */
export function describeEvent(event: Event): string {
  const parts: string[] = [event.type, event.address ?? ""];
  if (event.interval !== undefined) parts.push(`retry in ${event.interval} ms`);
  if (event.error !== undefined) parts.push(`${event.error.code} ${event.error.message}`);
  return parts.filter((part) => part !== "").join(" ");
}

