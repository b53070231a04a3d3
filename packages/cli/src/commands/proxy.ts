/** `skein proxy`: run one of the three ZeroMQ proxy shapes between a front-end and a back-end. */
import { Proxy, Dealer, Pull, Push, Router, XPublisher, XSubscriber, type Socket } from "@skein/core";
import { integerOption, parseArgs } from "../args.js";
import { Deadline } from "../deadline.js";
import { ExitCode, UsageError } from "../exit-code.js";
import { onInterrupt } from "../interrupt.js";
import { attach } from "../socket-types.js";
import type { Command } from "./command.js";

/** The proxy shapes of the ZeroMQ guide: front-end and back-end socket types. */
const SHAPES: Readonly<Record<string, { front: () => Socket; back: () => Socket; what: string }>> = {
  queue: { front: () => new Router(), back: () => new Dealer(), what: "shared queue: ROUTER front-end (clients), DEALER back-end (workers)" },
  forwarder: { front: () => new XSubscriber(), back: () => new XPublisher(), what: "forwarder: XSUB front-end (publishers), XPUB back-end (subscribers)" },
  streamer: { front: () => new Pull(), back: () => new Push(), what: "streamer: PULL front-end (producers), PUSH back-end (consumers)" },
};

export const proxy: Command = {
  name: "proxy",
  summary: "run a proxy: shared queue (ROUTER/DEALER), forwarder (XSUB/XPUB) or streamer (PULL/PUSH)",
  usage: `usage: skein proxy <queue|forwarder|streamer> (--frontend EP | --frontend-connect EP) (--backend EP | --backend-connect EP) [--timeout MS]
  Forwards messages between a front-end and a back-end socket, both directions, until Ctrl-C or SIGTERM
  (exit 0; prints what it forwarded on stderr) or --timeout (exit 3).
    queue       ${SHAPES["queue"]!.what}
    forwarder   ${SHAPES["forwarder"]!.what}
    streamer    ${SHAPES["streamer"]!.what}
  --frontend EP, --backend EP                   bind EP (repeatable); prints "frontend bound <endpoint>" on stderr
  --frontend-connect EP, --backend-connect EP   connect to EP instead (repeatable)
  --timeout MS                                  stop after MS with exit 3
example:
  skein proxy queue --frontend tcp://127.0.0.1:5559 --backend tcp://127.0.0.1:5560`,

  async run(argv, io) {
    const args = parseArgs(argv, ["frontend", "backend", "frontend-connect", "backend-connect", "timeout"], []);
    const [name, extra] = args.positionals;
    if (name === undefined) throw new UsageError("a proxy shape is required: queue, forwarder or streamer");
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    const shape = SHAPES[name.toLowerCase()];
    if (shape === undefined) throw new UsageError(`unknown proxy shape "${name}" (one of ${Object.keys(SHAPES).join(", ")})`);
    for (const side of ["frontend", "backend"]) {
      if (!args.options.has(side) && !args.options.has(`${side}-connect`)) throw new UsageError(`--${side} or --${side}-connect is required`);
    }
    const deadline = new Deadline(integerOption(args, "timeout", 0));
    const running = new Proxy(shape.front(), shape.back());
    for (const socket of [running.frontEnd, running.backEnd]) (socket as unknown as { linger: number }).linger = 0;
    const dispose = onInterrupt(() => stop(running));
    try {
      for (const [socket, side] of [[running.frontEnd, "frontend"], [running.backEnd, "backend"]] as const) {
        for (const endpoint of args.options.get(side) ?? []) await attach(socket, endpoint, true, deadline, io, `${side} bound`);
        for (const endpoint of args.options.get(`${side}-connect`) ?? []) await attach(socket, endpoint, false, deadline, io);
      }
      io.err(`proxy ${name} running`);
      const done = running.run();
      try {
        await deadline.race(done, "while proxying");
      } finally {
        stop(running);
        // Its own failure was thrown by the race above; this only waits for the close.
        await Promise.allSettled([done]);
      }
      return ExitCode.OK;
    } finally {
      dispose();
      stop(running);
      const { frontEnd, backEnd } = running.stats;
      io.err(`forwarded ${frontEnd.messages} message(s) front-end to back-end, ${backEnd.messages} back-end to front-end`);
    }
  },
};

/** Ends the proxy if it still runs: `terminate()` throws EBADF once it has ended (as in `zeromq`). */
function stop(proxy: Proxy): void {
  try {
    proxy.terminate();
  } catch (error) {
    if ((error as { code?: string }).code !== "EBADF") throw error;
  }
}
