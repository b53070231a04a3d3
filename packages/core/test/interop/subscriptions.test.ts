/**
 * Subscription edge cases across the wire (RFC 29): the empty prefix
 * (everything), overlapping prefixes (a message is delivered once),
 * binary prefixes, and an XPUB reporting a prefix once for several
 * subscribers and cancelling it when the last one leaves.
 */
import { afterEach, describe, expect, test } from "vitest";
import { Sockets, link, pollUntil, receiveUntil, text, type Lib, type Peer } from "./helpers.js";

const sockets = new Sockets();
afterEach(() => sockets.closeAll());

const PAIRS: Array<[Lib, Lib]> = [
  ["skein", "libzmq"],
  ["libzmq", "skein"],
];

/** Polls until `sub` receives a `probe` the publisher sends on `topic`; later probes are skipped by the caller. */
function synced(pub: Peer, sub: Peer, topic: Buffer | string, first: Promise<Buffer[]>): Promise<Buffer[]> {
  return pollUntil(first, () => pub.send([topic, "probe"]), `a subscription covering ${String(topic)}`);
}

const isProbe = (m: Buffer[]): boolean => m.length === 2 && m[1]!.toString() === "probe";

for (const [pubLib, subLib] of PAIRS) {
  describe(`${pubLib} publisher, ${subLib} subscriber`, () => {
    test("the empty prefix subscribes to everything, and cancelling it stops everything", async () => {
      const pub = sockets.make(pubLib, "PUB");
      const sub = sockets.make(subLib, "SUB");
      await link(pub, sub, "tcp");
      sub.subscribe!();
      await synced(pub, sub, "anything", sub.receive());
      await pub.send(["", "empty topic"]);
      await pub.send(["zzz", "end"]);
      const got = await receiveUntil(sub, (m) => text(m)[1] === "end", isProbe);
      expect(got.map(text)).toEqual([["", "empty topic"]]);

      sub.unsubscribe!();
      sub.subscribe!("only");
      await synced(pub, sub, "only", sub.receive());
      await pub.send(["anything", "after cancel"]);
      await pub.send(["only", "end"]);
      expect((await receiveUntil(sub, (m) => text(m)[1] === "end", isProbe)).map(text)).toEqual([]);
    });

    test("overlapping prefixes deliver a message once, and binary prefixes match byte for byte", async () => {
      const pub = sockets.make(pubLib, "PUB");
      const sub = sockets.make(subLib, "XSUB");
      await link(pub, sub, "tcp");
      const binary = Buffer.from([0xff, 0x00, 0x80]);
      await sub.send(Buffer.from("\x01A", "latin1"));
      await sub.send(Buffer.from("\x01AB", "latin1"));
      await sub.send(Buffer.concat([Buffer.from([1]), binary]));
      await synced(pub, sub, Buffer.concat([binary, Buffer.from("x")]), sub.receive());
      await pub.send(["ABC", "both prefixes"]);
      await pub.send([Buffer.from([0xff, 0x00]), "short of the binary prefix"]);
      await pub.send([Buffer.concat([binary, Buffer.from([0x01])]), "binary"]);
      await pub.send(["A", "end"]);
      const got = await receiveUntil(sub, (m) => text(m).join() === "A,end", isProbe);
      expect(got.map((m) => m[1]!.toString())).toEqual(["both prefixes", "binary"]);
    });
  });

  test(`a ${pubLib} XPUB reports a prefix once for two ${subLib} SUBs, and cancels it when both have left`, async () => {
    const xpub = sockets.make(pubLib, "XPUB");
    const one = sockets.make(subLib, "SUB");
    const two = sockets.make(subLib, "SUB");
    await link(xpub, one, "tcp");
    two.connect(xpub.lastEndpoint!);
    const pendingOne = one.receive();
    const pendingTwo = two.receive();
    one.subscribe!("T");
    expect(text(await xpub.receive())).toEqual(["\x01T"]);
    two.subscribe!("T");
    // The second subscription is not reported (not verbose); both get messages once it is in place.
    await pollUntil(pendingTwo, () => xpub.send(["T", "probe"]), "the second subscriber");
    await pendingOne;
    sockets.close(one);
    two.unsubscribe!("T");
    expect(text(await xpub.receive())).toEqual(["\x00T"]);
  });
}
