/**
 * The subscription structure of PUB/XPUB on its own: prefix matching, counts,
 * what is reported when a prefix loses its last holder, that it frees what
 * it no longer needs, that prefixes of any length are safe (no recursion),
 * and, with fast-check, that it answers exactly as a naive model does.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Pipe } from "../../src/pipe.js";
import { SubscriptionTrie } from "../../src/routing/subscription-trie.js";
import { settledExternal } from "../hostile/measure.js";
import { pipes } from "./pipes.js";

const b = (text: string): Buffer => Buffer.from(text, "latin1");

function matches(trie: SubscriptionTrie, data: Buffer): Pipe[] {
  const found: Pipe[] = [];
  trie.match(data, (pipe) => found.push(pipe));
  return found;
}

function gone(trie: SubscriptionTrie, pipe: Pipe): string[] {
  const out: string[] = [];
  trie.removePipe(pipe, (prefix) => out.push(prefix.toString("latin1")));
  return out;
}

const EMPTY = { nodes: 1, labelBytes: 0, pipes: 0 };

describe("SubscriptionTrie", () => {
  it("matches a message to each pipe with a prefix of its first frame, once", () => {
    const trie = new SubscriptionTrie();
    const [a, c, d] = pipes(3);
    trie.add(b(""), a!);
    trie.add(b("wea"), a!);
    trie.add(b("weather"), c!);
    trie.add(b("weather.paris"), c!);
    trie.add(b("west"), d!);
    expect(matches(trie, b("weather.paris 18C"))).toEqual([a, c]);
    expect(matches(trie, b("west"))).toEqual([a, d]);
    expect(matches(trie, b("we"))).toEqual([a]);
    expect(matches(trie, b(""))).toEqual([a]);
    trie.remove(b(""), a!);
    expect(matches(trie, b("weathe"))).toEqual([a]);
    expect(matches(trie, b("wes"))).toEqual([]);
    expect(matches(trie, b("other"))).toEqual([]);
  });

  it("matches binary prefixes byte for byte, 0x00 and 0xff included", () => {
    const trie = new SubscriptionTrie();
    const [a, c] = pipes(2);
    trie.add(Buffer.from([0xff, 0x00, 0x80]), a!);
    trie.add(Buffer.from([0xff, 0x01]), c!);
    expect(matches(trie, Buffer.from([0xff, 0x00, 0x80, 0x7f]))).toEqual([a]);
    expect(matches(trie, Buffer.from([0xff, 0x00, 0x81]))).toEqual([]);
    expect(matches(trie, Buffer.from([0xff, 0x01]))).toEqual([c]);
  });

  it("counts subscriptions: a prefix subscribed twice by a pipe needs two cancels", () => {
    const trie = new SubscriptionTrie();
    const [a, c] = pipes(2);
    expect(trie.add(b("t"), a!)).toBe(true);
    expect(trie.add(b("t"), a!)).toBe(false);
    expect(trie.add(b("t"), c!)).toBe(false);
    expect(trie.size).toBe(3);
    expect(trie.held(a!)).toEqual({ subscriptions: 1, bytes: 1 });
    expect(trie.remove(b("t"), a!)).toBe(false);
    expect(trie.remove(b("t"), a!)).toBe(false);
    expect(matches(trie, b("t"))).toEqual([c]);
    expect(trie.remove(b("t"), a!)).toBe(false);
    expect(trie.remove(b("t"), c!)).toBe(true);
    expect(trie.size).toBe(0);
    expect(trie.footprint()).toEqual(EMPTY);
  });

  it("ignores a cancel of a prefix the pipe does not hold", () => {
    const trie = new SubscriptionTrie();
    const [a, c] = pipes(2);
    trie.add(b("abc"), a!);
    expect(trie.remove(b("ab"), a!)).toBe(false);
    expect(trie.remove(b("abcd"), a!)).toBe(false);
    expect(trie.remove(b("abc"), c!)).toBe(false);
    expect(trie.size).toBe(1);
    expect(matches(trie, b("abc"))).toEqual([a]);
  });

  it("removing a pipe reports the prefixes nobody else holds and frees their nodes", () => {
    const trie = new SubscriptionTrie();
    const [a, c] = pipes(2);
    for (const prefix of ["x", "xy", "xyz", "q"]) trie.add(b(prefix), a!);
    trie.add(b("xy"), a!);
    trie.add(b("xy"), c!);
    expect(gone(trie, a!).sort()).toEqual(["q", "x", "xyz"]);
    expect(trie.size).toBe(1);
    expect(matches(trie, b("xyz"))).toEqual([c]);
    expect(gone(trie, a!)).toEqual([]);
    expect(gone(trie, c!)).toEqual(["xy"]);
    expect(trie.footprint()).toEqual(EMPTY);
  });

  it("shares common bytes: one node per distinct prefix plus the branch points", () => {
    const trie = new SubscriptionTrie();
    const [a] = pipes(1);
    trie.add(b("market.prices.EURUSD"), a!);
    trie.add(b("market.prices.EURGBP"), a!);
    trie.add(b("market.news"), a!);
    // root, "market." branch, "prices.EUR" branch, and the three leaves.
    expect(trie.footprint()).toEqual({ nodes: 6, labelBytes: "market.".length + "prices.EUR".length + 3 + 3 + 4, pipes: 1 });
    trie.remove(b("market.news"), a!);
    // The "market." branch has one child left and is merged into it.
    expect(trie.footprint()).toEqual({ nodes: 4, labelBytes: "market.prices.EUR".length + 3 + 3, pipes: 1 });
    expect(matches(trie, b("market.prices.EURGBP 0.85"))).toEqual([a]);
  });

  it("lists every subscribed prefix", () => {
    const trie = new SubscriptionTrie();
    const [a, c] = pipes(2);
    for (const prefix of ["", "b", "ab", "abc", "abd"]) trie.add(b(prefix), a!);
    trie.add(b("abc"), c!);
    expect(trie.prefixes().map((p) => p.toString("latin1"))).toEqual(["", "ab", "abc", "abd", "b"]);
  });

  it("holds, matches and frees a 1 MB prefix without recursion", () => {
    const trie = new SubscriptionTrie();
    const [a, c] = pipes(2);
    const huge = Buffer.alloc(1024 * 1024, 0x61);
    trie.add(huge, a!);
    trie.add(huge.subarray(0, 1000), c!);
    expect(matches(trie, Buffer.concat([huge, b("!")]))).toEqual([c, a]);
    expect(matches(trie, huge.subarray(0, 5000))).toEqual([c]);
    expect(trie.prefixes().map((p) => p.length)).toEqual([1000, huge.length]);
    const reported: number[] = [];
    trie.removePipe(a!, (prefix) => reported.push(prefix.length));
    expect(reported).toEqual([huge.length]);
    expect(trie.remove(huge.subarray(0, 1000), c!)).toBe(true);
    expect(trie.footprint()).toEqual(EMPTY);
  });

  it("handles a chain of 12,000 nested prefixes (one node each), deeper than a recursive walk could go", () => {
    const trie = new SubscriptionTrie();
    const [a, c] = pipes(2);
    const text = Buffer.alloc(12_000, 0x7a);
    for (let n = 1; n <= text.length; n++) trie.add(text.subarray(0, n), a!);
    trie.add(text, c!);
    expect(trie.footprint().nodes).toBe(12_001);
    expect(matches(trie, text)).toEqual([a, c]);
    trie.removePipe(a!);
    expect(trie.footprint()).toEqual({ nodes: 2, labelBytes: 12_000, pipes: 1 });
    let reported = 0;
    trie.removePipe(c!, (prefix) => (reported += prefix.length));
    expect(reported).toBe(12_000);
    expect(trie.footprint()).toEqual(EMPTY);
  });

  it("keeps no larger string alive once a long prefix that was split is cancelled", async () => {
    const trie = new SubscriptionTrie();
    const [a] = pipes(1);
    const long = Buffer.alloc(4 * 1024 * 1024, 0x6c);
    const before = await settledExternal();
    trie.add(long, a!);
    // Splits the 4 MB edge after 20 bytes; the 20-byte part must not share the 4 MB string.
    trie.add(long.subarray(0, 20), a!);
    trie.remove(long, a!);
    const after = await settledExternal();
    expect(trie.footprint()).toEqual({ nodes: 2, labelBytes: 20, pipes: 1 });
    expect(after - before).toBeLessThan(1024 * 1024);
  });
});

// ---- against a naive model ---------------------------------------------------------------

/** The model: prefix (latin1) -> pipe index -> count. */
type Model = Map<string, Map<number, number>>;

type Op =
  | { kind: "add"; pipe: number; prefix: Buffer }
  | { kind: "remove"; pipe: number; prefix: Buffer }
  | { kind: "removePipe"; pipe: number }
  | { kind: "match"; data: Buffer };

// A small alphabet makes shared prefixes, splits and merges common; long runs pass the
// length at which V8 shares slices, so copies of edge labels are exercised too.
const byte = fc.constantFrom(0x61, 0x62, 0x00, 0xff);
const prefixArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(byte, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.array(byte, { minLength: 12, maxLength: 40 }) },
).map((bytes) => Buffer.from(bytes));
const PIPES = 4;
const pipeArb = fc.integer({ min: 0, max: PIPES - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("add" as const), pipe: pipeArb, prefix: prefixArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("remove" as const), pipe: pipeArb, prefix: prefixArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("removePipe" as const), pipe: pipeArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("match" as const), data: prefixArb }) },
);

function modelMatch(model: Model, data: Buffer): number[] {
  const text = data.toString("latin1");
  const out = new Set<number>();
  for (const [prefix, holders] of model) if (text.startsWith(prefix)) for (const pipe of holders.keys()) out.add(pipe);
  return [...out].sort();
}

function modelHeld(model: Model, pipe: number): { subscriptions: number; bytes: number } {
  let subscriptions = 0;
  let bytes = 0;
  for (const [prefix, holders] of model) {
    if (!holders.has(pipe)) continue;
    subscriptions++;
    bytes += prefix.length;
  }
  return { subscriptions, bytes };
}

describe("SubscriptionTrie against a naive model", () => {
  it("answers every add, remove, removePipe and match as the model does, and is empty again once all is removed", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
        const trie = new SubscriptionTrie();
        const ps = pipes(PIPES);
        const model: Model = new Map();
        let size = 0;
        for (const op of ops) {
          if (op.kind === "add") {
            const key = op.prefix.toString("latin1");
            let holders = model.get(key);
            const fresh = holders === undefined;
            if (holders === undefined) model.set(key, (holders = new Map()));
            holders.set(op.pipe, (holders.get(op.pipe) ?? 0) + 1);
            size++;
            expect(trie.add(op.prefix, ps[op.pipe]!)).toBe(fresh);
          } else if (op.kind === "remove") {
            const key = op.prefix.toString("latin1");
            const holders = model.get(key);
            const count = holders?.get(op.pipe);
            let last = false;
            if (count !== undefined) {
              size--;
              if (count > 1) holders!.set(op.pipe, count - 1);
              else holders!.delete(op.pipe);
              if (holders!.size === 0) {
                model.delete(key);
                last = true;
              }
            }
            expect(trie.remove(op.prefix, ps[op.pipe]!)).toBe(last);
          } else if (op.kind === "removePipe") {
            const expected: string[] = [];
            for (const [key, holders] of model) {
              const count = holders.get(op.pipe);
              if (count === undefined) continue;
              size -= count;
              holders.delete(op.pipe);
              if (holders.size === 0) {
                model.delete(key);
                expected.push(key);
              }
            }
            expect(gone(trie, ps[op.pipe]!).sort()).toEqual(expected.sort());
          } else {
            const found = matches(trie, op.data).map((pipe) => ps.indexOf(pipe));
            expect(found.length).toBe(new Set(found).size);
            expect(found.sort()).toEqual(modelMatch(model, op.data));
          }
          expect(trie.size).toBe(size);
          for (let i = 0; i < PIPES; i++) expect(trie.held(ps[i]!)).toEqual(modelHeld(model, i));
          // Compact: a node nobody holds branches in two at least, so nodes <= 2 x prefixes + root,
          // and no byte is stored twice on a path.
          const footprint = trie.footprint();
          let bytes = 0;
          for (const key of model.keys()) bytes += key.length;
          expect(footprint.nodes).toBeLessThanOrEqual(2 * model.size + 1);
          expect(footprint.labelBytes).toBeLessThanOrEqual(bytes);
        }
        expect(trie.prefixes().map((p) => p.toString("latin1")).sort()).toEqual([...model.keys()].sort());
        for (const pipe of ps) trie.removePipe(pipe);
        expect(trie.size).toBe(0);
        expect(trie.footprint()).toEqual(EMPTY);
        expect(trie.prefixes()).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("is empty again when every subscription is cancelled one by one, in any order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(pipeArb, prefixArb), { maxLength: 60 }),
        fc.infiniteStream(fc.nat()),
        (subscriptions, picks) => {
          const trie = new SubscriptionTrie();
          const ps = pipes(PIPES);
          for (const [pipe, prefix] of subscriptions) trie.add(prefix, ps[pipe]!);
          const left = [...subscriptions];
          const pick = picks[Symbol.iterator]();
          while (left.length > 0) {
            const [[pipe, prefix]] = left.splice(pick.next().value % left.length, 1) as [[number, Buffer]];
            trie.remove(prefix, ps[pipe]!);
          }
          expect(trie.size).toBe(0);
          expect(trie.footprint()).toEqual(EMPTY);
        },
      ),
      { numRuns: 300 },
    );
  });
});
