/**
 * The soak driver: starts both peers of every pair, samples them at
 * intervals, SIGKILLs and restarts the connecting peer of one pair after
 * another, then quiesces the senders, lets the last messages arrive, and
 * returns the accounting and footprints.
 */
import { curveKeyPair } from "@skein/core";
import { FootprintSeries, type PeerFootprint } from "./footprint.js";
import { Ledger, type DirectionTotals } from "./ledger.js";
import type { SoakOptions } from "./options.js";
import { ANSWERS, PAIRS, type PairSpec, type SideSpec } from "./pairs.js";
import { PeerProcess } from "./peer-process.js";
import type { PeerConfig, PeerSample } from "./protocol.js";

const ANSWER_MS = 15_000;

export interface SoakResult {
  startedAt: string;
  minutes: number;
  restarts: number;
  samples: number;
  directions: DirectionTotals[];
  peers: PeerFootprint[];
  /** Unexpected exits, peer errors, missed samples. */
  problems: string[];
}

interface Slot {
  pair: PairSpec;
  side: SideSpec;
  peer: PeerProcess;
  series: FootprintSeries;
  endpoint: string;
}

export async function runSoak(options: SoakOptions, log: (line: string) => void): Promise<SoakResult> {
  const startedAt = new Date().toISOString();
  const ledger = new Ledger();
  const problems: string[] = [];
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();
  let nextSenderId = 1;
  let samples = 0;
  let restarts = 0;

  const slots: Slot[] = [];
  const retired: PeerProcess[] = [];

  async function start(pair: PairSpec, side: SideSpec, endpoint: string, series: FootprintSeries): Promise<Slot> {
    const senderId = nextSenderId++;
    const other = side === pair.bind ? pair.connect : pair.bind;
    // Answering roles (REP, ROUTER) send too: one message per request.
    if (side.sends || ANSWERS.has(side.role)) ledger.addSender(senderId, pair.name, `${side.role}→${other.role}`);
    const bind = side === pair.bind;
    const curve: PeerConfig["curve"] = !pair.curve
      ? undefined
      : bind
        ? { serverSecretKey: serverKeys.secretKey }
        : { serverPublicKey: serverKeys.publicKey, publicKey: clientKeys.publicKey, secretKey: clientKeys.secretKey };
    const peer = new PeerProcess({ role: side.role, endpoint, senderId, rate: side.sends ? options.rate : 0, curve });
    const ready = await peer.next("ready", ANSWER_MS);
    series.incarnations++;
    return { pair, side, peer, series, endpoint: ready.endpoint };
  }

  function record(slot: Slot, sample: PeerSample): void {
    slot.series.add(sample);
    ledger.update(slot.peer.config.senderId, sample.sent, sample.received);
  }

  async function sampleAll(command: "sample" | "quiesce"): Promise<void> {
    await Promise.all(
      slots.map(async (slot) => {
        try {
          record(slot, await slot.peer.ask({ type: command }, ANSWER_MS));
        } catch (error) {
          problems.push(`${slot.pair.name} ${slot.side.role}: ${(error as Error).message}`);
        }
      }),
    );
    samples++;
  }

  try {
    // All bind sides at once, then all connect sides at once: the processes start in parallel.
    const bound = await Promise.all(PAIRS.map((pair) => start(pair, pair.bind, pair.address(), new FootprintSeries(`${pair.name}: ${pair.bind.role}`))));
    const connected = await Promise.all(
      bound.map((b) => start(b.pair, b.pair.connect, b.endpoint, new FootprintSeries(`${b.pair.name}: ${b.pair.connect.role} (restarted)`))),
    );
    bound.forEach((b, i) => slots.push(b, connected[i]!));
    log(`soak: ${slots.length} processes, ${PAIRS.length} pairs, ${options.minutes} min, a restart every ${options.restartSeconds} s`);
    await sampleAll("sample");

    const end = Date.now() + options.minutes * 60_000;
    let nextSample = Date.now() + options.sampleSeconds * 1000;
    let nextRestart = Date.now() + options.restartSeconds * 1000;
    let victim = 0;
    while (Date.now() < end) {
      const wait = Math.min(nextSample, nextRestart, end) - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (Date.now() >= nextSample) {
        await sampleAll("sample");
        nextSample += options.sampleSeconds * 1000;
        if (samples % 12 === 0) log(`soak: ${Math.round((end - Date.now()) / 1000)} s left, ${restarts} restarts`);
      }
      if (Date.now() >= nextRestart && Date.now() < end) {
        const index = slots.findIndex((s) => s.pair === PAIRS[victim % PAIRS.length] && s.side === s.pair.connect);
        victim++;
        const slot = slots[index]!;
        // Its counters as of now; what it sends or receives between this and the kill is in flight, and counted lost.
        record(slot, await slot.peer.ask({ type: "sample" }, ANSWER_MS));
        await slot.peer.kill();
        retired.push(slot.peer);
        slots[index] = await start(slot.pair, slot.side, slot.endpoint, slot.series);
        restarts++;
        nextRestart += options.restartSeconds * 1000;
      }
    }

    // Stop sending, then sample until every count is still (the last messages have arrived).
    await sampleAll("quiesce");
    let previous = "";
    for (let i = 0; i < 40; i++) {
      await sampleAll("sample");
      const now = JSON.stringify(ledger.totals());
      if (now === previous) break;
      previous = now;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await Promise.all(slots.map((slot) => slot.peer.stop(5000)));
  }
  for (const peer of [...retired, ...slots.map((s) => s.peer)]) {
    for (const error of peer.errors) problems.push(`${peer.config.role} (pid ${peer.child.pid}): ${error}`);
  }
  return {
    startedAt,
    minutes: options.minutes,
    restarts,
    samples,
    directions: ledger.totals(),
    peers: slots.map((slot) => slot.series.summary()),
    problems,
  };
}
