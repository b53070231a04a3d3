/**
 * One soak peer: a process that opens one socket of one pair, sends
 * numbered messages at a steady rate and/or counts the ones it receives, and
 * answers the driver's `sample` with its RSS, heap, fds and counters.
 * Forked by the driver (soak.ts) with its PeerConfig as JSON in argv[2].
 */
import { readdirSync } from "node:fs";
import * as net from "node:net";
import * as core from "@skein/core";
import { header, readHeader, type DriverCommand, type PeerConfig, type PeerReport, type PeerSample, type ReceivedFrom } from "./protocol.js";

const config = JSON.parse(process.argv[2] ?? "{}") as PeerConfig;
const PAYLOAD = Buffer.alloc(2048, 0x5a);
const TICK_MS = 20;

let sent = 0;
let sending = true;
let stopping = false;
const received = new Map<number, ReceivedFrom>();
const closers: (() => void)[] = [];

function report(message: PeerReport): void {
  process.send?.(message);
}

function fail(error: unknown): void {
  if (stopping) return;
  report({ type: "error", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  process.exit(1);
}

/** Counts one received message by its header; a sequence not above the last one seen is a duplicate. */
function count(frame: Buffer | undefined): void {
  const h = readHeader(frame);
  if (h === null) throw new Error(`${config.role} received a message without a soak header`);
  countSeq(h.senderId, h.seq);
}

function countSeq(senderId: number, seq: number): void {
  let from = received.get(senderId);
  if (from === undefined) received.set(senderId, (from = { count: 0, maxSeq: -1, duplicates: 0 }));
  if (seq <= from.maxSeq) from.duplicates++;
  else {
    from.count++;
    from.maxSeq = seq;
  }
}

/** A payload of varying size (16 B to 2 KiB), a view of one shared buffer: sends do not copy. */
function payload(): Buffer {
  return PAYLOAD.subarray(0, 16 + ((sent * 97) % 2032));
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `sendOne` `rate` times a second in batches every TICK_MS, each awaited (back-pressure slows it down). */
async function paced(sendOne: () => Promise<void>): Promise<void> {
  const batch = Math.max(1, Math.round((config.rate * TICK_MS) / 1000));
  while (sending) {
    const start = Date.now();
    for (let i = 0; i < batch && sending; i++) await sendOne();
    const wait = TICK_MS - (Date.now() - start);
    if (wait > 0) await delay(wait);
  }
}

async function receiveLoop(socket: core.Socket, onMessage: (msg: Buffer[]) => Promise<void> | void): Promise<void> {
  try {
    while (!socket.closed) {
      const handled = onMessage(await socket.receive());
      if (handled instanceof Promise) await handled;
    }
  } catch (error) {
    if (!socket.closed) throw error;
  }
}

/** Opens the socket: bind side binds and reports its resolved endpoint, connect side connects. */
async function open<T extends core.Socket>(socket: T, bind: boolean): Promise<T> {
  closers.push(() => {
    socket.linger = 0;
    socket.close();
  });
  if (bind) {
    await socket.bind(config.endpoint);
    report({ type: "ready", endpoint: socket.lastEndpoint ?? config.endpoint });
  } else {
    socket.connect(config.endpoint);
    report({ type: "ready", endpoint: config.endpoint });
  }
  return socket;
}

function sendNumbered(socket: core.Socket, envelope: Buffer[] = []): Promise<void> {
  return socket.send([...envelope, header(config.senderId, sent), payload()]).then(() => void sent++);
}

async function run(): Promise<void> {
  const keys = config.curve ?? {};
  switch (config.role) {
    case "pair-bind":
    case "pair-connect": {
      const pair = await open(new core.Pair(), config.role === "pair-bind");
      await Promise.all([paced(() => sendNumbered(pair)), receiveLoop(pair, (m) => count(m[0]))]);
      return;
    }
    case "pub": {
      const pub = await open(new core.Publisher(), true);
      await paced(() => sendNumbered(pub));
      return;
    }
    case "sub": {
      const sub = new core.Subscriber();
      sub.subscribe("");
      await receiveLoop(await open(sub, false), (m) => count(m[0]));
      return;
    }
    case "xpub": {
      const xpub = await open(new core.XPublisher(), true);
      // Subscriptions arrive as messages: read them so they never back up.
      await Promise.all([paced(() => sendNumbered(xpub)), receiveLoop(xpub, () => {})]);
      return;
    }
    case "xsub": {
      const xsub = await open(new core.XSubscriber(), false);
      await xsub.send(Buffer.from([1]));
      await receiveLoop(xsub, (m) => count(m[0]));
      return;
    }
    case "rep": {
      const rep = await open(new core.Reply({ curveServer: true, curveSecretKey: keys.serverSecretKey ?? null }), true);
      await receiveLoop(rep, async (m) => {
        count(m[0]);
        await sendNumbered(rep);
      });
      return;
    }
    case "req": {
      const req = await open(
        new core.Request({ curveServerKey: keys.serverPublicKey ?? null, curvePublicKey: keys.publicKey ?? null, curveSecretKey: keys.secretKey ?? null }),
        false,
      );
      await paced(async () => {
        await sendNumbered(req);
        count((await req.receive())[0]);
      });
      return;
    }
    case "router": {
      const router = await open(new core.Router(), true);
      await receiveLoop(router, async ([id, h]) => {
        count(h);
        await sendNumbered(router, [id!]);
      });
      return;
    }
    case "dealer": {
      const dealer = await open(new core.Dealer(), false);
      await Promise.all([paced(() => sendNumbered(dealer)), receiveLoop(dealer, (m) => count(m[0]))]);
      return;
    }
    case "push": {
      const push = await open(new core.Push(), false);
      await paced(() => sendNumbered(push));
      return;
    }
    case "pull": {
      const pull = await open(new core.Pull(), true);
      await receiveLoop(pull, (m) => count(m[0]));
      return;
    }
    case "stream": {
      const stream = await open(new core.Stream(), true);
      const partial = new Map<string, string>();
      await receiveLoop(stream, ([id, data]) => {
        const key = id!.toString("hex");
        if (data!.length === 0) return void partial.delete(key); // connect or disconnect notification
        const lines = ((partial.get(key) ?? "") + data!.toString("latin1")).split("\n");
        partial.set(key, lines.pop()!);
        for (const line of lines) {
          const [senderId, seq] = line.split(":").map(Number);
          countSeq(senderId!, seq!);
        }
      });
      return;
    }
    case "raw-tcp": {
      const { hostname, port } = new URL(config.endpoint.replace(/^tcp:/, "http:"));
      const socket = net.connect(Number(port), hostname);
      closers.push(() => socket.destroy());
      await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      socket.on("error", fail);
      report({ type: "ready", endpoint: config.endpoint });
      await paced(async () => {
        if (!socket.write(`${config.senderId}:${sent}\n`)) await new Promise((resolve) => socket.once("drain", resolve));
        sent++;
      });
      return;
    }
  }
}

function sample(): PeerSample {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return { type: "sample", rss: usage.rss, heap: usage.heapUsed, fds: readdirSync("/proc/self/fd").length, sent, received: Object.fromEntries(received) };
}

process.on("message", (command: DriverCommand) => {
  if (command.type === "quiesce") sending = false;
  if (command.type === "stop") {
    stopping = true;
    sending = false;
    for (const close of closers) close();
    setImmediate(() => process.exit(0));
    return;
  }
  report(sample());
});

run().catch(fail);
