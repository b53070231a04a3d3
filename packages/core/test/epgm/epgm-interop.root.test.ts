/**
 * epgm:// against libzmq (Debian's pyzmq, OpenPGM inside), both ways, with
 * packets dropped on purpose. Run by .ci/suites/epgm.sh: vitest runs in the
 * network namespace EPGM_NS_SKEIN, pyzmq in EPGM_NS_PEER, joined by a veth
 * pair (OpenPGM binds its port with SO_REUSEPORT, which Node 20 cannot share,
 * so each side has a host of its own). The loss is an nftables rule in the
 * receiving namespace that drops one multicast datagram in ten at random.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createSocket } from "node:dgram";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Publisher, Subscriber } from "../../src/index.js";
import { decodePgm, PGM_NCF, PGM_ODATA, PGM_RDATA, type PgmPacket, type PgmSource } from "../../src/transport/epgm/pgm-packet.js";
import { NAK_ELIMINATION_MS } from "../../src/transport/epgm/repair-policy.js";
import { socketScope, tick, until, within } from "../helpers.js";
import { nakWithList } from "./pgm-craft.js";

const SKEIN_NS = process.env.EPGM_NS_SKEIN ?? "epgmA";
const PEER_NS = process.env.EPGM_NS_PEER ?? "epgmB";
const SKEIN_IP = process.env.EPGM_IP_SKEIN ?? "10.77.0.1";
const PEER_IP = process.env.EPGM_IP_PEER ?? "10.77.0.2";
const GROUP = "239.192.77.1";
const PEER_SCRIPT = fileURLToPath(new URL("./pyzmq-peer.py", import.meta.url));
const COUNT = 2000;
/**
 * Every number is padded to this many digits so that the messages fill about
 * 1,400 datagrams: both sides pack small messages into shared packets, and with
 * only a dozen packets a one-in-ten drop misses them all about a third of the time.
 */
const PAD = 1000;

let port = 6000;
const track = socketScope();
const children: ChildProcessWithoutNullStreams[] = [];
const lossRules: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill();
  for (const ns of lossRules.splice(0)) execFileSync("ip", ["netns", "exec", ns, "nft", "delete", "table", "ip", "epgmloss"]);
});

/** Drops one multicast datagram in ten arriving in `ns`. */
function dropTenPercent(ns: string): void {
  const nft = (...args: string[]): void => void execFileSync("ip", ["netns", "exec", ns, "nft", ...args]);
  nft("add", "table", "ip", "epgmloss");
  lossRules.push(ns);
  nft("add", "chain", "ip", "epgmloss", "in", "{ type filter hook input priority 0; }");
  nft("add", "rule", "ip", "epgmloss", "in", "ip", "daddr", GROUP, "numgen", "random", "mod", "10", "0", "drop");
}

interface Peer {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  /** What the peer wrote to stderr, shown when it fails. */
  stderr: string[];
  exited: Promise<number | null>;
}

async function peer(role: "pub" | "sub", arg: number): Promise<Peer> {
  port++;
  const child = spawn("ip", ["netns", "exec", PEER_NS, "/usr/bin/python3", PEER_SCRIPT, role, `epgm://${PEER_IP};${GROUP}:${port}`, String(arg)]);
  children.push(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => lines.push(line));
  const stderr: string[] = [];
  child.stderr.on("data", (chunk: Buffer) => stderr.push(String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await until(() => lines.includes("ready"), "pyzmq peer ready", 10_000);
  return { child, lines, stderr, exited };
}

/** Does `act` every 50 ms until `done` (a retry, not a wait: the condition decides). */
async function repeatUntil(act: () => Promise<void>, done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Timed out: ${what}`);
    await act();
    const next = Date.now() + 50;
    while (!done() && Date.now() < next) await tick(5);
  }
}

function skeinEndpoint(): string {
  return `epgm://${SKEIN_IP};${GROUP}:${port}`;
}

describe("epgm:// with libzmq (pyzmq), packets dropped on purpose", () => {
  it("libzmq SUB receives every message of a skein PUB in order, lost packets repaired by RDATA", async () => {
    const py = await peer("sub", 20_000);
    const pub = track(new Publisher({ rate: 10_000, sendHighWaterMark: 0 }));
    pub.connect(skeinEndpoint());
    // libzmq's receiver joins a session at a packet it sees: warm up until it has one.
    await repeatUntil(() => pub.send(["warmup"]), () => py.lines.length > 1, "pyzmq saw the session");
    if (process.env.EPGM_DROP !== "0") dropTenPercent(PEER_NS);
    for (let i = 0; i < COUNT; i++) await pub.send(["n", String(i).padStart(PAD, "0")]);
    await pub.send(["END", String(COUNT)]);
    expect(await within(py.exited, 25_000, "pyzmq SUB to finish"), JSON.stringify(pub.pgmStatistics) + py.lines.length + py.stderr.join("").slice(-300)).toBe(0);
    const got = py.lines.filter((line) => line.startsWith("n|")).map((line) => Number(line.slice(2)));
    expect(py.lines.at(-1)).toBe(`END|${COUNT}`);
    expect(got).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(pub.pgmStatistics.naksReceived).toBeGreaterThan(0);
    expect(pub.pgmStatistics.repairsSent).toBeGreaterThan(0);
  });

  it("skein SUB receives every message of a libzmq PUB in order, lost packets NAKed and repaired", async () => {
    const py = await peer("pub", COUNT);
    // pyzmq pads its numbers to PAD digits too (pyzmq-peer.py).
    const sub = track(new Subscriber({ receiveHighWaterMark: 0 }));
    sub.subscribe();
    sub.connect(skeinEndpoint());
    // The PUB sends warmups until told to go: the first one shows the SUB joined.
    expect((await within(sub.receive(), 10_000, "a warmup from pyzmq")).map(String)).toEqual(["warmup"]);
    dropTenPercent(SKEIN_NS);
    py.child.stdin.write("go\n");
    const got: number[] = [];
    for (;;) {
      const [topic, body] = (await within(sub.receive(), 20_000, "a message from pyzmq")).map(String);
      if (topic === "END") break;
      if (topic === "n") got.push(Number(body));
    }
    py.child.stdin.write("done\n");
    expect(got).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(sub.pgmStatistics.naksSent).toBeGreaterThan(0);
    expect(sub.pgmStatistics.repairsReceived).toBeGreaterThan(0);
    expect(sub.pgmStatistics.lost).toBe(0);
  });
});

describe("epgm:// between skein sockets (loopback multicast)", () => {
  it("a skein SUB receives a skein PUB's messages filtered by topic, a large one spanning packets", async () => {
    port++;
    const endpoint = `epgm://${SKEIN_IP};${GROUP}:${port}`;
    const sub = track(new Subscriber({ receiveHighWaterMark: 0 }));
    sub.subscribe("t");
    sub.connect(endpoint);
    const pub = track(new Publisher({ rate: 100_000 }));
    pub.connect(endpoint);
    const big = "x".repeat(50_000);
    sub.subscribe("warmup");
    const warm = sub.receive();
    let warmed = false;
    void warm.then(() => (warmed = true));
    await repeatUntil(() => pub.send(["warmup"]), () => warmed, "the SUB joined");
    sub.unsubscribe("warmup");
    await pub.send(["skip", "filtered by the SUB"]);
    await pub.send(["t", big]);
    await pub.send(["t", "small"]);
    expect((await within(sub.receive())).map(String)).toEqual(["t", big]);
    expect((await within(sub.receive())).map(String)).toEqual(["t", "small"]);
  });

  it("a skein PUB answers a NAK's OPT_NAK_LIST (as OpenPGM sends): one NCF naming every sqn, and the RDATA of each", async () => {
    const group = await groupWatcher();
    const pub = track(new Publisher());
    pub.connect(skeinEndpoint());
    const { sqns, src } = await sendPackets(pub, group, 5);
    await sendNaks([nakWithList(src, sqns[1]!, [sqns[2]!, sqns[4]!], SKEIN_IP, GROUP)]);
    await until(() => group.of(PGM_RDATA).length === 3, "three RDATA");
    expect(group.of(PGM_RDATA).map((p) => p.sqn)).toEqual([sqns[1], sqns[2], sqns[4]]);
    const ncfs = group.of(PGM_NCF);
    expect(ncfs.map((p) => [p.sqn, ...p.nakList])).toEqual([[sqns[1], sqns[2], sqns[4]]]);
    expect(pub.pgmStatistics.naksReceived).toBe(1);
    expect(pub.pgmStatistics.repairsSent).toBe(3);
  });
});

/** What a socket bound to the group's address sees: the PUB's multicast, none of the unicast NAKs. */
interface GroupWatcher {
  seen: { packet: PgmPacket; octets: number }[];
  of(type: number): PgmPacket[];
  /** Octets of NCF and RDATA seen (with IP and UDP headers), what `repairRate` bounds. */
  repairOctets(): number;
}

/** Watches the group on a fresh port, or on the current one (`fresh` false: a peer already took it). */
async function groupWatcher(fresh = true): Promise<GroupWatcher> {
  if (fresh) port++;
  // A large buffer: a flood's answers must not overflow it (the kernel caps it at net.core.rmem_max).
  const socket = createSocket({ type: "udp4", reuseAddr: true, recvBufferSize: 4 << 20 });
  const seen: GroupWatcher["seen"] = [];
  socket.on("message", (datagram) => {
    const packet = decodePgm(datagram);
    if (typeof packet !== "string") seen.push({ packet, octets: datagram.length + 28 });
  });
  await new Promise<void>((resolve) => socket.bind(port, GROUP, resolve));
  track.defer(() => socket.close());
  socket.addMembership(GROUP, SKEIN_IP);
  return {
    seen,
    of: (type) => seen.filter((s) => s.packet.type === type).map((s) => s.packet),
    repairOctets: () => seen.filter((s) => s.packet.type === PGM_NCF || s.packet.type === PGM_RDATA).reduce((sum, s) => sum + s.octets, 0),
  };
}

/** Sends `count` messages one packet each (each waits for its ODATA); returns their sqns and the PUB's session. */
async function sendPackets(pub: Publisher, group: GroupWatcher, count: number, pad = 0): Promise<{ sqns: number[]; src: PgmSource }> {
  for (let i = 0; i < count; i++) {
    await pub.send(["m", String(i).padStart(pad, "0")]);
    await until(() => group.of(PGM_ODATA).length === i + 1, `ODATA ${i}`);
  }
  const data = group.of(PGM_ODATA);
  const first = data[0]!;
  return { sqns: data.map((p) => p.sqn), src: { gsi: Buffer.from(first.gsi, "hex"), sourcePort: first.sourcePort, destinationPort: port } };
}

/** Sends raw datagrams to the PUB's NAK port, as a hostile receiver on this host would. */
async function sendNaks(naks: readonly Buffer[]): Promise<void> {
  const nakker = createSocket("udp4");
  try {
    for (const nak of naks) {
      await new Promise<void>((resolve, reject) => nakker.send(nak, port, SKEIN_IP, (error) => (error ? reject(error) : resolve())));
    }
  } finally {
    nakker.close();
  }
}

describe("epgm:// sender under a hostile receiver's NAK flood", () => {
  it("repairs a sqn NAKed over and over once per elimination interval, confirming each NAK by one NCF", async () => {
    const group = await groupWatcher();
    // A repair rate that never binds: what bounds the RDATA here is NAK elimination alone.
    const pub = track(new Publisher({ rate: 100_000, repairRate: 100_000 }));
    pub.connect(skeinEndpoint());
    const { sqns, src } = await sendPackets(pub, group, 5);
    const NAKS = 200;
    const BATCH = 20;
    const started = Date.now();
    // In batches, each waiting for its NCFs, so that the watcher's receive buffer never overflows.
    for (let sent = BATCH; sent <= NAKS; sent += BATCH) {
      await sendNaks(Array.from({ length: BATCH }, () => nakWithList(src, sqns[0]!, sqns.slice(1), SKEIN_IP, GROUP)));
      await until(() => group.of(PGM_NCF).length === sent, `an NCF for each of ${sent} NAKs`);
    }
    expect(pub.pgmStatistics.naksReceived).toBe(NAKS);
    const elapsed = Date.now() - started;
    const perSqn = 1 + Math.ceil(elapsed / NAK_ELIMINATION_MS);
    for (const sqn of sqns) expect(group.of(PGM_RDATA).filter((p) => p.sqn === sqn).length).toBeLessThanOrEqual(perSqn);
    const stats = pub.pgmStatistics;
    expect(stats.repairsSent).toBeLessThanOrEqual(sqns.length * perSqn);
    expect(stats.naksEliminated).toBe(NAKS * sqns.length - stats.repairsSent);
    expect(stats.naksRateLimited).toBe(0);
  });

  it("drops a malformed NAK alone, counted, and still answers the next", async () => {
    const group = await groupWatcher();
    const pub = track(new Publisher());
    pub.connect(skeinEndpoint());
    const { sqns, src } = await sendPackets(pub, group, 3);
    const badChecksum = nakWithList(src, sqns[0]!, [sqns[1]!], SKEIN_IP, GROUP);
    badChecksum[badChecksum.length - 1] ^= 0xff;
    await sendNaks([nakWithList(src, sqns[0]!, [sqns[1]!, sqns[2]!], SKEIN_IP, GROUP, 10), badChecksum, Buffer.alloc(12), nakWithList(src, sqns[2]!, [], SKEIN_IP, GROUP)]);
    await until(() => group.of(PGM_RDATA).length === 1, "the good NAK repaired");
    expect(group.of(PGM_RDATA)[0]!.sqn).toBe(sqns[2]);
    expect(pub.pgmStatistics).toMatchObject({ malformed: 2, badChecksum: 1, naksReceived: 1, repairsSent: 1 });
  });

  it("keeps NCF and RDATA within repairRate under a flood of full NAK lists, while a libzmq SUB gets new data in order", async () => {
    const py = await peer("sub", 20_000);
    const group = await groupWatcher(false);
    const RATE = 2000; // kbit/s; repairRate at its default, a quarter of it
    const born = Date.now();
    const pub = track(new Publisher({ rate: RATE, sendHighWaterMark: 0 }));
    pub.connect(skeinEndpoint());
    await repeatUntil(() => pub.send(["warmup"]), () => py.lines.length > 1, "pyzmq saw the session");
    const FIRST = 150;
    const TOTAL = 450;
    for (let i = 0; i < FIRST; i++) await pub.send(["n", String(i).padStart(PAD, "0")]);
    await until(() => group.of(PGM_ODATA).length >= 63, "a window of packets to NAK");
    for (let i = FIRST; i < TOTAL; i++) await pub.send(["n", String(i).padStart(PAD, "0")]);
    await pub.send(["END", String(TOTAL)]);
    const first = group.of(PGM_ODATA)[0]!;
    const src: PgmSource = { gsi: Buffer.from(first.gsi, "hex"), sourcePort: first.sourcePort, destinationPort: port };
    let done = false;
    void py.exited.then(() => (done = true));
    const started = Date.now();
    let naks = 0;
    // While the PUB sends the rest: every few ms, ten NAKs of 63 sqns, half the same ones each time, half sweeping the window.
    while (!done && Date.now() - started < 25_000) {
      const known = group.of(PGM_ODATA).map((p) => p.sqn);
      const batch: Buffer[] = [];
      for (let k = 0; k < 10; k++, naks++) {
        const from = k % 2 === 0 ? 0 : (naks * 63) % Math.max(1, known.length - 63);
        const list = known.slice(from, from + 63);
        batch.push(nakWithList(src, list[0]!, list.slice(1), SKEIN_IP, GROUP));
      }
      await sendNaks(batch);
      await tick(5);
    }
    expect(await within(py.exited, 1000, "pyzmq SUB to finish"), py.stderr.join("").slice(-300)).toBe(0);
    const got = py.lines.filter((line) => line.startsWith("n|")).map((line) => Number(line.slice(2)));
    expect(got).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
    const perMs = (RATE / 4) / 8;
    const burst = Math.max(perMs * 100, 2 * 1500);
    const stats = pub.pgmStatistics;
    // The bucket's bound over the PUB's whole life: its burst, then perMs.
    expect(group.repairOctets(), JSON.stringify(stats)).toBeLessThanOrEqual(burst + (Date.now() - born) * perMs);
    expect(stats.repairsSent).toBeGreaterThan(0);
    expect(stats.naksRateLimited).toBeGreaterThan(0);
    expect(stats.naksReceived).toBeGreaterThanOrEqual(naks);
    // A NAK asks for 63 sqns: what a flood asked for dwarfs what went out.
    expect(stats.repairsSent * 20).toBeLessThan(naks * 63);
  });
});
