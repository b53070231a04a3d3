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
import { decodePgm, PGM_NCF, PGM_ODATA, PGM_RDATA, type PgmPacket } from "../../src/transport/epgm/pgm-packet.js";
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

  it("a skein PUB answers a NAK's OPT_NAK_LIST (as OpenPGM sends): an NCF and the RDATA for every sqn named", async () => {
    port++;
    // Bound to the group's address, this socket sees the PUB's multicast and none of the unicast NAKs.
    const watcher = createSocket({ type: "udp4", reuseAddr: true });
    const seen: PgmPacket[] = [];
    watcher.on("message", (datagram) => {
      const packet = decodePgm(datagram);
      if (typeof packet !== "string") seen.push(packet);
    });
    await new Promise<void>((resolve) => watcher.bind(port, GROUP, resolve));
    try {
      watcher.addMembership(GROUP, SKEIN_IP);
      const pub = track(new Publisher());
      pub.connect(skeinEndpoint());
      const data = (): PgmPacket[] => seen.filter((packet) => packet.type === PGM_ODATA);
      // One packet a send: each waits for its ODATA before the next goes.
      for (let i = 0; i < 5; i++) {
        await pub.send(["m", String(i)]);
        await until(() => data().length === i + 1, `ODATA ${i}`);
      }
      const sqns = data().map((packet) => packet.sqn);
      const first = data()[0]!;
      const src = { gsi: Buffer.from(first.gsi, "hex"), sourcePort: first.sourcePort, destinationPort: port };
      const nakker = createSocket("udp4");
      try {
        await new Promise<void>((resolve, reject) =>
          nakker.send(nakWithList(src, sqns[1]!, [sqns[2]!, sqns[4]!], SKEIN_IP, GROUP), port, SKEIN_IP, (error) => (error ? reject(error) : resolve())),
        );
      } finally {
        nakker.close();
      }
      const of = (type: number): number[] => seen.filter((packet) => packet.type === type).map((packet) => packet.sqn);
      await until(() => of(PGM_RDATA).length === 3, "three RDATA");
      expect(of(PGM_RDATA)).toEqual([sqns[1], sqns[2], sqns[4]]);
      expect(of(PGM_NCF)).toEqual([sqns[1], sqns[2], sqns[4]]);
      expect(pub.pgmStatistics.naksReceived).toBe(1);
      expect(pub.pgmStatistics.repairsSent).toBe(3);
    } finally {
      watcher.close();
    }
  });
});
