/**
 * Micro-benchmark of PUB/XPUB's publish-side filter: matching a message's
 * first frame against the subscriptions (RFC 29 prefix matching). Reports
 * only; never fails on timing. Run: `npx vitest bench --run packages/core/bench`
 * from the repository root.
 */
import { bench, describe } from "vitest";
import type { Pipe } from "../src/pipe.js";
import { SubscriptionTrie } from "../src/routing/subscription-trie.js";

const pipe = (): Pipe => ({}) as Pipe;
let found = 0;
const count = (): void => {
  found++;
};

function trie(setup: (t: SubscriptionTrie) => void): SubscriptionTrie {
  const t = new SubscriptionTrie();
  setup(t);
  return t;
}

const matching = Buffer.from("A".padEnd(16, "x"));
const other = Buffer.from("B".padEnd(16, "x"));
const one = trie((t) => t.add(Buffer.from("A"), pipe()));
const sixteen = trie((t) => {
  for (let i = 0; i < 16; i++) t.add(Buffer.from("A"), pipe());
});
const everything = trie((t) => t.add(Buffer.alloc(0), pipe()));
const pipes = Array.from({ length: 1000 }, pipe);
const many = trie((t) => {
  for (let i = 0; i < 10_000; i++) t.add(Buffer.from(`prices.sym${i}`), pipes[i % 1000]!);
});
const quotes = Array.from({ length: 64 }, (_, i) => Buffer.from(`prices.sym${i * 97} 1.0842`));

describe("subscription match (per 1000 messages)", () => {
  bench("1 subscriber on A, messages A and B", () => {
    for (let i = 0; i < 500; i++) {
      one.match(matching, count);
      one.match(other, count);
    }
  });
  bench("16 subscribers on A, messages A and B", () => {
    for (let i = 0; i < 500; i++) {
      sixteen.match(matching, count);
      sixteen.match(other, count);
    }
  });
  bench("1 subscriber to everything", () => {
    for (let i = 0; i < 1000; i++) everything.match(matching, count);
  });
  bench("10,000 topics over 1000 subscribers", () => {
    for (let i = 0; i < 1000; i++) many.match(quotes[i & 63]!, count);
  });
});
