/** How a source answers NAKs: NAK elimination and the repair-rate bucket (pure: time and sizes passed in). */
import { describe, expect, it } from "vitest";
import { NAK_ELIMINATION_MS, RepairPolicy, type RepairSizes } from "../../src/transport/epgm/repair-policy.js";
import { burstOf, TokenBucket } from "../../src/transport/epgm/token-bucket.js";

const RDATA = 1000;
const NCF = (count: number): number => (count === 0 ? 0 : 64 + 4 * count);
/** A send window holding sqns 100..199, each RDATA 1000 octets on the wire. */
const window: RepairSizes = { rdata: (sqn) => (sqn >= 100 && sqn < 200 ? RDATA : undefined), ncf: NCF };
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);
/** Plenty: the bucket never binds. */
const LAVISH = 1e9;

describe("RepairPolicy: NAK elimination", () => {
  it("repairs a sqn once within the elimination interval, and confirms every repeat by NCF", () => {
    const policy = new RepairPolicy(0);
    expect(policy.answer([150], window, 0, LAVISH, LAVISH)).toEqual({ repair: [150], confirm: [150], eliminated: 0, rateLimited: 0 });
    for (let t = 1; t < NAK_ELIMINATION_MS; t += 7) {
      expect(policy.answer([150], window, t, LAVISH, LAVISH)).toEqual({ repair: [], confirm: [150], eliminated: 1, rateLimited: 0 });
    }
    expect(policy.answer([150], window, NAK_ELIMINATION_MS, LAVISH, LAVISH).repair).toEqual([150]);
  });

  it("repairs a sqn named many times in one NAK list once", () => {
    const policy = new RepairPolicy(0);
    const answer = policy.answer([120, ...Array<number>(62).fill(120)], window, 0, LAVISH, LAVISH);
    expect(answer.repair).toEqual([120]);
    expect(answer.confirm).toEqual([120]);
  });

  it("repairs only the new sqns of a list that overlaps one just repaired", () => {
    const policy = new RepairPolicy(0);
    policy.answer(range(100, 63), window, 0, LAVISH, LAVISH);
    const answer = policy.answer(range(150, 40), window, 10, LAVISH, LAVISH);
    expect(answer.repair).toEqual(range(163, 27));
    expect(answer.eliminated).toBe(13);
    expect(answer.confirm).toEqual(range(150, 40));
  });

  it("skips sqns outside the send window without confirming them", () => {
    const policy = new RepairPolicy(0);
    expect(policy.answer([5, 150, 300], window, 0, LAVISH, LAVISH)).toEqual({ repair: [150], confirm: [150], eliminated: 0, rateLimited: 0 });
    expect(policy.answer([5, 300], window, 1, LAVISH, LAVISH)).toEqual({ repair: [], confirm: [], eliminated: 0, rateLimited: 0 });
  });

  it("forgets a repaired sqn once the interval has passed, so what it remembers stays bounded", () => {
    const policy = new RepairPolicy(0);
    policy.answer(range(100, 63), window, 0, LAVISH, LAVISH);
    expect(policy.remembered).toBe(63);
    policy.answer([199], window, NAK_ELIMINATION_MS, LAVISH, LAVISH);
    expect(policy.remembered).toBe(1);
  });
});

describe("RepairPolicy: the repair-rate bucket", () => {
  it("sends no more NCF and RDATA octets than the burst plus the rate over the time, whatever the NAKs ask", () => {
    const perMs = 5; // 40 kbit/s
    const burst = burstOf(perMs, RDATA);
    const policy = new RepairPolicy(0);
    let sent = 0;
    let limited = 0;
    let t = 0;
    // A flood: a full NAK list every ms for two seconds, cycling over the whole window (no elimination helps).
    for (; t < 2000; t++) {
      const answer = policy.answer(range(100 + ((t * 63) % 37), 63), window, t, perMs, burst);
      sent += answer.repair.length * RDATA + NCF(answer.confirm.length);
      limited += answer.rateLimited;
    }
    expect(sent).toBeLessThanOrEqual(burst + t * perMs);
    // Within a few packets of the bound: the bucket is used, not merely unused.
    expect(sent).toBeGreaterThan(t * perMs - 3 * RDATA);
    expect(limited).toBeGreaterThan(2000 * 50);
  });

  it("drops a NAK whole, counted, when the bucket cannot cover its NCF", () => {
    const policy = new RepairPolicy(0);
    // A burst of one RDATA and one small NCF: the first NAK takes it all.
    const burst = RDATA + NCF(1);
    expect(policy.answer([150], window, 0, 0, burst).repair).toEqual([150]);
    expect(policy.answer([150, 151, 152], window, 1, 0, burst)).toEqual({ repair: [], confirm: [], eliminated: 0, rateLimited: 3 });
  });

  it("confirms only what it repairs or eliminates, and charges the NCF for those alone", () => {
    const policy = new RepairPolicy(0);
    // Room for the NCF of 3 sqns and two RDATA.
    const burst = NCF(3) + 2 * RDATA;
    const answer = policy.answer([150, 151, 152], window, 0, 0, burst);
    expect(answer).toEqual({ repair: [150, 151], confirm: [150, 151], eliminated: 0, rateLimited: 1 });
    // The NCF named two sqns, not three: the difference is back in the bucket, not enough for more RDATA.
    expect(policy.answer([152], window, 1, 0, burst).rateLimited).toBe(1);
  });

  it("repairs nothing at repairRate 0", () => {
    const policy = new RepairPolicy(0);
    expect(policy.answer([150], window, 0, 0, burstOf(0, RDATA))).toEqual({ repair: [], confirm: [], eliminated: 0, rateLimited: 1 });
  });
});

describe("TokenBucket", () => {
  it("fills at its rate up to the burst, and refuses what it does not hold", () => {
    const bucket = new TokenBucket(0, 0);
    expect(bucket.refill(10, 2, 100)).toBe(20);
    expect(bucket.take(30)).toBe(false);
    expect(bucket.take(20)).toBe(true);
    expect(bucket.refill(1000, 2, 100)).toBe(100);
    bucket.spend(150);
    expect(bucket.tokens).toBe(-50);
    expect(bucket.refill(1030, 2, 100)).toBe(10);
  });

  it("holds at least two packets, and nothing at rate 0", () => {
    expect(burstOf(1, 1500)).toBe(3000);
    expect(burstOf(100, 1500)).toBe(10_000);
    expect(burstOf(0, 1500)).toBe(0);
  });
});
