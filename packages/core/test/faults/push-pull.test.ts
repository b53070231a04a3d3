/**
 * PUSH/PULL between separate processes while one side is SIGKILLed again and
 * again (ROUNDS times; FAULT_ROUNDS=100 for the long run).
 *
 * Promise under test (docs/reliability.md, "Faults between processes"): the
 * survivor reconnects or accepts every time; messages still in the
 * survivor's own queue survive a peer's death (a connecting socket keeps its
 * pipe); what is lost is only what was in flight in the killed process: in
 * its queue, in the kernel buffers between the two, or read but not yet
 * reported. Nothing is duplicated or reordered. The survivor's fds and memory
 * stay flat.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { freeAddress, nextEvent, socketScope, RAW_TRANSPORTS, until } from "../helpers.js";
import { expectFlat, fixture, inFlightBytes, killLoop, PeerProcess, ROUNDS, roundsTimeout, Runs, sendUntilBlocked, sendUntilFlowing, u32 } from "./harness.js";

const PEER = fixture(import.meta.url, "peer.mjs");
const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const PAYLOAD = Buffer.alloc(1024, 0x62);
/** Messages each incarnation must have received before it is killed: it dies mid-stream. */
const MID_STREAM = 300;
/** The fixture's PULL keeps the default receiveHighWaterMark: what it may hold read from the wire but not yet by the app. */
const PULL_RECEIVE_HWM = 1000;
/** The PUSH's queue in the test of queued messages surviving a kill. */
const QUEUE_HWM = 500;

const open = socketScope();

describe("PUSH/PULL with a peer process killed mid-stream", () => {
  for (const transport of RAW_TRANSPORTS) {
    it(
      `a connecting PUSH resumes after each of ${ROUNDS} SIGKILLs of its PULL listener on the same ${transport} endpoint and loses only what was in flight in it`,
      async () => {
        const endpoint = await freeAddress(transport);
        const push = open(new Push());
        push.connect(endpoint);
        let sent = 0;
        let sending = true;
        let senderError: unknown = null;
        const sender = (async () => {
          while (sending) {
            await push.send([u32(sent), PAYLOAD]);
            sent++;
            if (sent % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
          }
        })().catch((error: unknown) => {
          // Closed under it when the test fails or times out; anything else is the test's failure.
          if (!push.closed) senderError = error;
        });

        const incarnations: Runs[] = [];
        const baseline = await killLoop({
          start: () => {
            const pull = new PeerProcess(PEER, ["pull", endpoint], DIST);
            incarnations.push(Runs.of(pull));
            return pull;
          },
          progress: (round) => incarnations[round]!.count,
          midStream: MID_STREAM,
          what: "messages received by listener",
        });
        const flat = await expectFlat(baseline, expect);
        sending = false;
        await sender;
        expect(senderError).toBeNull();
        const last = incarnations[incarnations.length - 1]!;
        await until(() => last.last === sent - 1, "the last listener receiving every message sent after it came up", 15_000);

        const inFlightBound = PULL_RECEIVE_HWM + Math.ceil(inFlightBytes(transport) / PAYLOAD.length) + 1;
        const gaps: number[] = [];
        expect(incarnations[0]!.first).toBe(0);
        for (const [i, runs] of incarnations.entries()) {
          // One run per incarnation: nothing reordered or missing while it lived.
          expect(runs.runs, `incarnation ${i}`).toHaveLength(1);
          if (i > 0) {
            const previous = incarnations[i - 1]!;
            // Strictly after the previous incarnation's last message: nothing duplicated.
            expect(runs.first, `incarnation ${i} starts after ${previous.last}`).toBeGreaterThan(previous.last);
            gaps.push(runs.first - previous.last - 1);
          }
        }
        const lost = gaps.reduce((a, b) => a + b, 0);
        const received = incarnations.reduce((a, r) => a + r.count, 0);
        expect(received + lost).toBe(sent);
        expect(Math.max(...gaps)).toBeLessThanOrEqual(inFlightBound);
        console.log(
          `faults push-pull ${transport} survivor=connect rounds=${ROUNDS}: sent ${sent}, received ${received}, lost ${lost} (max ${Math.max(...gaps)} per kill, bound ${inFlightBound}), duplicated 0; ${flat}`,
        );
      },
      roundsTimeout(8000),
    );

    it(
      `a binding PULL accepts each of ${ROUNDS} PUSH processes in turn over ${transport}, SIGKILLed mid-stream, and receives from each a gapless prefix of what it sent`,
      async () => {
        const pull = open(new Pull());
        await pull.bind(await freeAddress(transport));
        const endpoint = pull.lastEndpoint!;
        const received: number[] = [];
        const errors: string[] = [];
        const receiver = (async () => {
          try {
            for await (const [incarnation, seq] of pull) {
              const i = incarnation!.readUInt32BE(0);
              const expected = received[i] ?? 0;
              if (seq!.readUInt32BE(0) !== expected) errors.push(`incarnation ${i}: got ${seq!.readUInt32BE(0)}, expected ${expected}`);
              received[i] = expected + 1;
            }
          } catch (error) {
            if (!pull.closed) throw error;
          }
        })();

        const sentReported: number[] = [];
        const baseline = await killLoop({
          start: (round) => {
            const push = new PeerProcess(PEER, ["push", endpoint, String(round)], DIST);
            push.onReport((r) => typeof r.sent === "number" && (sentReported[round] = r.sent));
            return push;
          },
          progress: (round) => received[round] ?? 0,
          midStream: MID_STREAM,
          what: "messages delivered by PUSH",
          // The accepted connection is released: the PULL saw the peer go.
          afterKill: () => nextEvent(pull, "disconnect", 10_000),
        });
        const flat = await expectFlat(baseline, expect);
        pull.close();
        await receiver;

        expect(errors).toEqual([]);
        expect(received).toHaveLength(ROUNDS + 1);
        const total = received.reduce((a, b) => a + b, 0);
        const lost = sentReported.reduce((a, s, i) => a + Math.max(0, s - received[i]!), 0);
        console.log(
          `faults push-pull ${transport} survivor=bind rounds=${ROUNDS}: received ${total} in order from ${received.length} killed senders, ` +
            `at least ${lost} lost in their queues, duplicated 0; ${flat}`,
        );
      },
      roundsTimeout(8000),
    );

    it(`keeps a connecting PUSH's queue through a SIGKILL of its stalled PULL listener over ${transport} and delivers all of it to the restarted one`, async () => {
      const endpoint = await freeAddress(transport);
      const first = new PeerProcess(PEER, ["pull", endpoint], DIST);
      const firstRuns = Runs.of(first);
      await first.next("ready");
      const push = open(new Push({ sendHighWaterMark: QUEUE_HWM }));
      push.connect(endpoint);
      let sent = await sendUntilFlowing(push, 0, (seq) => [u32(seq), PAYLOAD], firstRuns);
      // Stop the reader: the kernel buffers fill, then the PUSH's own queue, up to its HWM.
      first.pause();
      sent = await sendUntilBlocked(push, sent, (seq) => [u32(seq), PAYLOAD]);
      const gone = nextEvent(push, "disconnect", 10_000);
      await first.kill();
      await gone;

      const second = new PeerProcess(PEER, ["pull", endpoint], DIST);
      const secondRuns = Runs.of(second);
      await second.next("ready");
      // Nothing more is sent: whatever the restarted listener gets was queued before the kill.
      await until(() => secondRuns.last === sent - 1, "the queued messages reaching the restarted listener", 15_000);
      expect(secondRuns.runs).toHaveLength(1);
      expect(secondRuns.first).toBeGreaterThan(firstRuns.last);
      expect(secondRuns.count).toBeGreaterThanOrEqual(QUEUE_HWM);
      console.log(
        `faults push-pull ${transport} queue through a kill: ${sent} sent, first listener ${firstRuns.count}, lost in it or the kernel ${secondRuns.first - firstRuns.last - 1}, ` +
          `restarted listener ${secondRuns.count} (the queue, HWM ${QUEUE_HWM}), duplicated 0`,
      );
    }, 60_000);
  }
});
