/**
 * epgm:// against libzmq (Debian's pyzmq, OpenPGM inside), both ways, with
 * packets dropped on purpose. Run by .ci/suites/epgm.sh: vitest runs in the
 * network namespace EPGM_NS_SKEIN, pyzmq in EPGM_NS_PEER, joined by a veth
 * pair (OpenPGM binds its port with SO_REUSEPORT, which Node 20 cannot share,
 * so each side has a host of its own). The loss is an nftables rule in the
 * receiving namespace that drops one multicast datagram in ten at random.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Publisher, Subscriber } from "../../src/index.js";
import { socketScope, tick, until, within } from "../helpers.js";

const SKEIN_NS = process.env.EPGM_NS_SKEIN ?? "epgmA";
const PEER_NS = process.env.EPGM_NS_PEER ?? "epgmB";
const SKEIN_IP = process.env.EPGM_IP_SKEIN ?? "10.77.0.1";
const PEER_IP = process.env.EPGM_IP_PEER ?? "10.77.0.2";
const GROUP = "239.192.77.1";
const PEER_SCRIPT = fileURLToPath(new URL("./pyzmq-peer.py", import.meta.url));
const COUNT = 2000;

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
  exited: Promise<number | null>;
}

async function peer(role: "pub" | "sub", arg: number): Promise<Peer> {
  port++;
  const child = spawn("ip", ["netns", "exec", PEER_NS, "/usr/bin/python3", PEER_SCRIPT, role, `epgm://${PEER_IP};${GROUP}:${port}`, String(arg)]);
  children.push(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await until(() => lines.includes("ready"), "pyzmq peer ready", 10_000);
  return { child, lines, exited };
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
    dropTenPercent(PEER_NS);
    for (let i = 0; i < COUNT; i++) await pub.send(["n", String(i)]);
    await pub.send(["END", String(COUNT)]);
    expect(await within(py.exited, 25_000, "pyzmq SUB to finish")).toBe(0);
    const got = py.lines.filter((line) => line.startsWith("n|")).map((line) => Number(line.slice(2)));
    expect(py.lines.at(-1)).toBe(`END|${COUNT}`);
    expect(got).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(pub.pgmStatistics.naksReceived).toBeGreaterThan(0);
    expect(pub.pgmStatistics.repairsSent).toBeGreaterThan(0);
  });

  it("skein SUB receives every message of a libzmq PUB in order, lost packets NAKed and repaired", async () => {
    const py = await peer("pub", COUNT);
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
});
