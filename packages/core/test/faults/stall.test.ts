/**
 * A reader process that stalls (SIGSTOP) and later resumes (SIGCONT): the
 * sender's memory stays bounded by its high-water mark whatever it tries to
 * send meanwhile. PUSH blocks (`writable` turns false, `send()` waits) and
 * loses nothing; PUB drops what does not fit and keeps going. Traffic
 * resumes after SIGCONT.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Publisher, Push } from "../../src/index.js";
import { freeAddress, socketScope, RAW_TRANSPORTS, until, within } from "../helpers.js";
import { footprint, mb, type Footprint } from "../hostile/measure.js";
import { fixture, PeerProcess, Runs, sendUntilBlocked, sendUntilFlowing, u32 } from "./harness.js";

const PEER = fixture(import.meta.url, "peer.mjs");
const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const SIZE = 16 * 1024;
const HWM = 100;
/** Heap, Buffers and the engine's write buffer beyond the HWM's worth of messages. */
const SLACK = 8 * 1024 * 1024;

/** A fresh body per message, so a queue that grows shows in the footprint. */
const body = () => Buffer.alloc(SIZE, 0x63);
const grown = (before: Footprint, after: Footprint) => after.heap + after.external - before.heap - before.external;

const open = socketScope();

describe("a reader process stopped with SIGSTOP", () => {
  for (const transport of RAW_TRANSPORTS) {
    it(`blocks a PUSH at its high-water mark over ${transport}, bounds its memory, and delivers everything after SIGCONT`, async () => {
      const endpoint = await freeAddress(transport);
      const pull = new PeerProcess(PEER, ["pull", endpoint], DIST);
      const runs = Runs.of(pull);
      await pull.next("ready");
      const push = open(new Push({ sendHighWaterMark: HWM }));
      push.connect(endpoint);
      let sent = await sendUntilFlowing(push, 0, (seq) => [u32(seq), body()], runs);
      await until(() => runs.last === sent - 1, "the reader catching up");

      pull.pause();
      const before = await footprint();
      // Fill the kernel buffers, then the pipe: send() waits once HWM messages are queued.
      sent = await sendUntilBlocked(push, sent, (seq) => [u32(seq), body()]);
      const blocked = push.send([u32(sent), body()]);
      let resolved = false;
      blocked.then(
        () => (resolved = true),
        () => {}, // awaited below: a rejection fails the test there
      );
      const during = await footprint();
      expect(resolved).toBe(false);
      expect(grown(before, during)).toBeLessThanOrEqual(HWM * SIZE + SLACK);

      pull.resume();
      await within(blocked, 15_000, "the blocked send after SIGCONT");
      sent++;
      await until(() => runs.last === sent - 1, "every message arriving after SIGCONT", 15_000);
      expect(runs.runs).toEqual([[0, sent - 1]]);
      console.log(
        `faults stall push ${transport}: ${sent} sent, ${runs.count} received, lost 0, duplicated 0; ` +
          `sender heap+external grew ${mb(grown(before, during))} while blocked (bound ${mb(HWM * SIZE + SLACK)})`,
      );
    }, 60_000);

    it(`lets a PUB drop at its high-water mark over ${transport} with bounded memory, and the SUB receives again after SIGCONT`, async () => {
      const pub = open(new Publisher({ sendHighWaterMark: HWM }));
      await pub.bind(await freeAddress(transport));
      const sub = new PeerProcess(PEER, ["sub", pub.lastEndpoint!], DIST);
      const runs = Runs.of(sub);
      await sub.next("ready");
      let sent = 0;
      const publish = async () => {
        await pub.send([u32(0), u32(sent++), body()]);
        if (sent % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
      };
      // Until the subscription has arrived and messages flow.
      while (runs.count < 10) await publish();

      sub.pause();
      const before = await footprint();
      const burst = 5000; // 80 MB of fresh bodies: far beyond HWM and the kernel buffers
      const firstOfBurst = sent;
      for (let i = 0; i < burst; i++) await publish();
      const during = await footprint();
      expect(grown(before, during)).toBeLessThanOrEqual(HWM * SIZE + SLACK);

      sub.resume();
      const firstAfter = sent;
      while (runs.last < firstAfter) await publish();
      // Strictly increasing runs: nothing duplicated or reordered; the burst was partly dropped.
      for (let i = 1; i < runs.runs.length; i++) expect(runs.runs[i]![0]).toBeGreaterThan(runs.runs[i - 1]![1] + 1);
      const receivedOfBurst = runs.runs.reduce((a, [f, l]) => a + Math.max(0, Math.min(l, firstAfter - 1) - Math.max(f, firstOfBurst) + 1), 0);
      expect(receivedOfBurst).toBeLessThan(burst);
      console.log(
        `faults stall pub ${transport}: burst of ${burst} while stopped, ${receivedOfBurst} of them received, ${burst - receivedOfBurst} dropped, duplicated 0; ` +
          `publisher heap+external grew ${mb(grown(before, during))} (bound ${mb(HWM * SIZE + SLACK)})`,
      );
    }, 60_000);
  }
});
