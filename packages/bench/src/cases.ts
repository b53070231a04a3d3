import type { Impl } from "./library.js";
import type { Transport } from "./workers/config.js";
import type { ActorPlacement } from "./actors/actor-config.js";

/** One row of the table: who sends, who receives, under which label. */
export interface CaseRun {
  label: string;
  sender: Impl;
  receiver: Impl;
}

/** The orchestrations the driver knows. */
export type CaseKind = "throughput" | "inproc" | "reqrep" | "pubsub" | "router-dealer" | "service" | "soak" | "actor" | "epgm" | "swap";

/** A benchmark case: one pattern, transport and size, run for each implementation. */
export interface BenchCase {
  id: string;
  kind: CaseKind;
  transport: Transport;
  size: number;
  runs: CaseRun[];
  /** Included in `--quick`. */
  quick: boolean;
  /** Included in a full run (the soak runs only in full mode or when filtered for). */
  full: boolean;
  /** PUB/SUB: number of subscriber sockets. */
  subscribers?: number;
  /** ROUTER/DEALER: number of dealer clients. */
  clients?: number;
  /** PUSH/PULL over CURVE. */
  curve?: boolean;
  /** Service cases: unary calls or server streams, and how many calls the client keeps going. */
  service?: { shape: "unary" | "stream"; inFlight: number; streamItems: number };
  /** Actor cases: where the actors run. */
  placement?: ActorPlacement;
  /** epgm:// PUB/SUB: the sender's `rate` option, kbit/s. */
  epgm?: { rate: number };
  /** SWAP: what is timed (the spill to disk, or the drain to a peer), payload bytes spilled, fsync per message. */
  swap?: { phase: "spill" | "drain"; bytes: number; durable: boolean };
  /** Take the zeromq and raw-bare reference rows for the ratios from this case instead. */
  compareWith?: string;
}

const same = (impl: Impl): CaseRun => ({ label: impl, sender: impl, receiver: impl });
const ALL: CaseRun[] = [same("skein"), same("zeromq"), same("raw-bare"), same("raw-async")];
const LIBS: CaseRun[] = [same("skein"), same("zeromq")];
const NO_BARE: CaseRun[] = [same("skein"), same("zeromq"), same("raw-async")];
/** The service cases: `@skein/service` and the frameworks users pick instead. */
const FRAMEWORKS: CaseRun[] = [same("skein"), same("grpc-js"), same("nestjs"), same("moleculer")];
/** The frameworks that stream a server's replies over their transport. */
const STREAMING: CaseRun[] = [same("skein"), same("grpc-js")];
/** Greetings per server-streaming call. */
const STREAM_ITEMS = 100;

/** Human size: 16 B, 1 KiB, 1 MiB. */
export function sizeLabel(size: number): string {
  if (size >= 1048576) return `${size / 1048576} MiB`;
  if (size >= 1024) return `${size / 1024} KiB`;
  return `${size} B`;
}

const SIZES = [16, 256, 1024, 65536, 1048576];

function buildCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const transport of ["tcp", "ipc"] as const) {
    for (const size of SIZES) {
      cases.push({
        id: `push-pull ${transport} ${sizeLabel(size)}`,
        kind: "throughput",
        transport,
        size,
        runs: ALL,
        quick: transport === "tcp" || size === 16 || size === 1048576,
        full: true,
      });
    }
  }
  // ZeroMQ over WebSocket (RFC 45): skein and libzmq both speak it; the raw baselines do not.
  for (const size of [16, 1024, 1048576]) {
    cases.push({
      id: `push-pull ws ${sizeLabel(size)}`,
      kind: "throughput",
      transport: "ws",
      size,
      runs: LIBS,
      quick: size === 16,
      full: true,
    });
  }
  for (const size of SIZES) {
    cases.push({
      id: `push-pull inproc ${sizeLabel(size)}`,
      kind: "inproc",
      transport: "inproc",
      size,
      runs: LIBS,
      quick: size === 16 || size === 1048576,
      full: true,
    });
  }
  for (const size of [16, 1024]) {
    cases.push({ id: `req-rep tcp ${sizeLabel(size)}`, kind: "reqrep", transport: "tcp", size, runs: ALL, quick: size === 16, full: true });
  }
  for (const subscribers of [1, 4, 16]) {
    cases.push({
      id: `pub-sub tcp 16 B x${subscribers}`,
      kind: "pubsub",
      transport: "tcp",
      size: 16,
      subscribers,
      runs: NO_BARE,
      quick: subscribers !== 4,
      full: true,
    });
  }
  cases.push({
    id: "router-dealer tcp 16 B x16",
    kind: "router-dealer",
    transport: "tcp",
    size: 16,
    clients: 16,
    runs: NO_BARE,
    quick: true,
    full: true,
  });
  for (const size of [16, 1024]) {
    cases.push({
      id: `curve push-pull tcp ${sizeLabel(size)}`,
      kind: "throughput",
      transport: "tcp",
      size,
      curve: true,
      runs: LIBS,
      quick: size === 16,
      full: true,
    });
  }
  for (const size of [16, 1024]) {
    cases.push({
      id: `interop push-pull tcp ${sizeLabel(size)}`,
      kind: "throughput",
      transport: "tcp",
      size,
      runs: [
        { label: "skein→zeromq", sender: "skein", receiver: "zeromq" },
        { label: "zeromq→skein", sender: "zeromq", receiver: "skein" },
      ],
      compareWith: `push-pull tcp ${sizeLabel(size)}`,
      quick: size === 16,
      full: true,
    });
  }
  // Typed calls of the greeter (examples/codegen/proto/greeter.proto), client and server in separate processes.
  for (const inFlight of [1, 64]) {
    cases.push({
      id: `service unary tcp x${inFlight}`,
      kind: "service",
      transport: "tcp",
      size: 16,
      service: { shape: "unary", inFlight, streamItems: 0 },
      runs: FRAMEWORKS,
      quick: true,
      full: true,
    });
  }
  for (const inFlight of [1, 64]) {
    cases.push({
      id: `service stream tcp x${inFlight} ${STREAM_ITEMS} items`,
      kind: "service",
      transport: "tcp",
      size: 16,
      service: { shape: "stream", inFlight, streamItems: STREAM_ITEMS },
      runs: STREAMING,
      quick: inFlight === 64,
      // One in flight only when asked for (`--filter "service stream"`): keeps the full suite near 10 minutes.
      full: inFlight === 64,
    });
  }
  // Virtual actors (@skein/service): a call and its reply, closed loop over 32 keys.
  const actor = (id: string, placement: ActorPlacement, runs: CaseRun[], quick: boolean): BenchCase =>
    ({ id, kind: "actor", transport: "tcp", size: 16, placement, runs, quick, full: true });
  cases.push(actor("actor call 1 thread", "local", [same("skein"), same("nact")], true));
  cases.push(actor("actor call 2 threads", "threads", [same("skein"), same("postMessage")], true));
  cases.push(actor("actor call 2 processes", "processes", [same("skein"), same("postMessage")], false));
  cases.push(actor("actor cpu-bound 1 thread", "cpu-one", [same("skein"), same("postMessage")], false));
  cases.push(actor("actor cpu-bound all cores", "cpu-all", [same("skein"), same("postMessage")], false));
  cases.push(actor("actor state FileStorage", "storage-file", [same("skein")], false));
  cases.push(actor("actor state SqliteStorage", "storage-sqlite", [same("skein")], false));
  // epgm:// (PGM over UDP) on loopback multicast, PUB and SUB in two processes, at rates the
  // receiver drains without loss: repair between two sockets on one host is not reliable
  // (docs/epgm.md), and a 100 ms burst at the rate must fit the SUB's UDP receive buffer.
  // The 100 Mbit/s case (with --filter "epgm") shows what happens past that.
  for (const [size, rate, full] of [[100, 10_000, true], [1000, 5_000, true], [100, 100_000, false]] as const) {
    cases.push({
      id: `epgm pub-sub ${sizeLabel(size)} rate ${rate / 1000} Mbit/s`,
      kind: "epgm",
      transport: "epgm",
      size,
      epgm: { rate },
      runs: LIBS,
      quick: size === 100 && full,
      full,
    });
  }
  // SWAP (docs/swap.md): spill beyond the HWM to disk, then drain to a PULL that binds late.
  // A few MiB each, so the full run stays short; the 1 GiB figure is `pnpm --filter @skein/bench bench:swap 1024`.
  for (const [size, bytes] of [[16, 4 * 1048576], [1024, 32 * 1048576], [65536, 128 * 1048576]] as const) {
    for (const phase of ["spill", "drain"] as const) {
      cases.push({
        id: `swap ${phase} tcp ${sizeLabel(size)}`,
        kind: "swap",
        transport: "tcp",
        size,
        swap: { phase, bytes, durable: false },
        runs: [same("skein")],
        quick: size === 1024,
        full: true,
      });
    }
  }
  // Durable: one fdatasync a message, so few of them; with --filter "swap spill durable" only.
  cases.push({
    id: "swap spill durable tcp 1 KiB",
    kind: "swap",
    transport: "tcp",
    size: 1024,
    swap: { phase: "spill", bytes: 2000 * 1024, durable: true },
    runs: [same("skein")],
    quick: false,
    full: false,
  });
  cases.push({ id: "soak push-pull tcp 16 B", kind: "soak", transport: "tcp", size: 16, runs: LIBS, quick: false, full: true });
  return cases;
}

/** Every case, in table order. */
export const CASES: readonly BenchCase[] = buildCases();
