/**
 * Snapshot pub-sub against hostile peers: requesters that ask for snapshots
 * with tokens they never subscribe (and subscribers that subscribe tokens
 * they never ask for), malformed snapshot requests, and a second publisher
 * sending updates without sequence numbers. Pending requests and tokens
 * stay within `maxPendingSnapshots`, bad input is counted, and a good
 * subscriber gets its snapshot and every live update.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { Publisher } from "@skein/core";
import { SnapshotPublisher, SnapshotSubscriber } from "../../src/index.js";
import { describeFootprint, footprint, openFds } from "../../../core/test/hostile/measure.js";
import { ANY_PORT, Collector, until, within } from "../helpers.js";
import { hostilePeer } from "./raw-peer.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const HEAP_BOUND = 8 * 1024 * 1024;
const TOKEN_PREFIX = "\u0000skein.snapshot.";

describe("SnapshotPublisher and SnapshotSubscriber against hostile peers", () => {
  it("bound pending snapshot requests, count malformed input, and still serve a good subscriber", async () => {
    const pub = new SnapshotPublisher({ bind: [ANY_PORT], snapshotBind: [ANY_PORT], maxPendingSnapshots: 100 });
    await pub.start();
    closers.push(() => pub.close());
    await pub.publish("price.a", [Buffer.from("1")]);
    const before = await footprint();

    const requester = await hostilePeer(pub.snapshotEndpoints[0]!, "DEALER");
    const requests: Buffer[][] = [];
    for (let i = 0; i < 10_000; i++) requests.push([Buffer.from("S"), randomBytes(16), Buffer.from("price.")]);
    for (let i = 0; i < 50; i++) requests.push([Buffer.from("S")], [Buffer.from("XY"), randomBytes(16)]);
    requester.sendMany(requests);
    // 9,900 requests forgotten, 100 malformed.
    await until(() => pub.dropped >= 9_900 + 100, "the pending requests beyond the bound to be dropped", 15_000);

    // A second "publisher" on the live side sends updates with no sequence number.
    const evil = new Publisher({ linger: 0 });
    await evil.bind(ANY_PORT);
    closers.push(() => evil.close());
    const got = new Collector<string>();
    const good = new SnapshotSubscriber({ connect: [...pub.endpoints, evil.lastEndpoint!], snapshot: pub.snapshotEndpoints });
    good.subscribe("price.", (frames, topic, info) => got.push(`${topic}=${frames[0]!.toString()}${info.snapshot ? " (snapshot)" : ""}`));
    closers.push(() => good.close());
    await within(good.start(), 10_000, "the good subscriber's snapshot");
    await until(() => {
      void evil.send([Buffer.from("price.a"), Buffer.from("no sequence")]);
      return good.malformed > 0;
    }, "an update without a sequence number to be dropped");
    await pub.publish("price.a", [Buffer.from("2")]);
    await pub.publish("price.b", [Buffer.from("3")]);
    await within(got.waitFor(3), 10_000, "the snapshot and two live updates");
    expect(got.items).toEqual(["price.a=1 (snapshot)", "price.a=2", "price.b=3"]);

    await requester.destroy();
    await good.close();
    evil.close();
    await until(() => openFds() <= before.fds, "the hostile connections to be released");
    const after = await footprint();
    console.log(`Snapshot vs hostile peers: ${describeFootprint(before, after)}, ${pub.dropped} requests dropped, ${good.malformed} malformed updates`);
    expect(after.heap - before.heap).toBeLessThan(HEAP_BOUND);
  });

  it("forgets token subscriptions nobody asks a snapshot for beyond maxPendingSnapshots", async () => {
    const pub = new SnapshotPublisher({ bind: [ANY_PORT], snapshotBind: [ANY_PORT], maxPendingSnapshots: 100 });
    await pub.start();
    closers.push(() => pub.close());
    const before = await footprint();
    const subscriber = await hostilePeer(pub.endpoints[0]!, "SUB");
    const tokens: Buffer[][] = [];
    for (let i = 0; i < 2_000; i++) tokens.push([Buffer.concat([Buffer.from([1]), Buffer.from(TOKEN_PREFIX + randomBytes(16).toString("hex"), "latin1")])]);
    subscriber.sendMany(tokens);
    await until(() => pub.dropped === 1_900, "the tokens beyond the bound to be forgotten");
    await subscriber.destroy();
    // Core's subscription trie frees a departed peer's prefixes, and the publisher forgets
    // its tokens: the heap returns within the bound once the subscriber is gone.
    await until(() => openFds() <= before.fds, "the hostile subscriber's fd to be released");
    const after = await footprint();
    console.log(`token subscriptions never asked for: ${describeFootprint(before, after)}`);
    expect(after.heap - before.heap).toBeLessThan(HEAP_BOUND);
    const good = new SnapshotSubscriber({ connect: pub.endpoints, snapshot: pub.snapshotEndpoints });
    closers.push(() => good.close());
    good.subscribe("", () => undefined);
    await within(good.start(), 10_000, "a good subscriber's snapshot");
  });
});
