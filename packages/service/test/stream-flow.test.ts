import { describe, expect, test } from "vitest";
import { MAX_STREAM_CREDIT, StreamCredit, StreamInbox } from "../src/stream-flow.js";

describe("stream credit", () => {
  test("credit granted past 2^32 - 1 in total is held at 2^32 - 1, what an envelope can carry", () => {
    const credit = new StreamCredit(8);
    for (let i = 0; i < 100; i++) credit.grant(0xffffffff);
    expect(credit.available).toBe(MAX_STREAM_CREDIT);
  });

  test("a reader without flow control (infinite credit) stays infinite", () => {
    const credit = new StreamCredit(Infinity);
    credit.grant(5);
    expect(credit.available).toBe(Infinity);
  });

  test("an inbox refuses the first item past the credit it granted and fails its reader", async () => {
    const granted: number[] = [];
    const inbox = new StreamInbox<number>(2, (n) => granted.push(n));
    expect(inbox.push(1)).toBe(true);
    expect(inbox.push(2)).toBe(true);
    expect(inbox.push(3)).toBe(false);
    await expect(inbox[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    expect(granted).toEqual([]);
  });
});
