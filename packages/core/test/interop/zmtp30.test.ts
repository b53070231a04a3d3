/**
 * ZMTP 3.0 peers (RFC 23): libzmq 4.3.5 itself speaks 3.1, so a relay
 * ({@link Zmtp30Proxy}) lowers the version each side announces. Both then
 * run their 3.0 rules: subscriptions travel as `\x01prefix` / `\x00prefix`
 * messages rather than SUBSCRIBE/CANCEL commands, and the publisher still
 * filters on them.
 */
import { afterEach, describe, expect, test } from "vitest";
import { Sockets, bindAddress, pollUntil, receiveUntil, text, type Lib, type Peer } from "./helpers.js";
import { Zmtp30Proxy } from "./zmtp30-proxy.js";

const sockets = new Sockets();
const proxies: Zmtp30Proxy[] = [];
afterEach(async () => {
  sockets.closeAll();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

/** A publisher bound on tcp with a 3.0 relay in front of it. */
async function publisherBehindProxy(lib: Lib): Promise<{ pub: Peer; proxy: Zmtp30Proxy }> {
  const pub = sockets.make(lib, "XPUB");
  await pub.bind(bindAddress("tcp"));
  const proxy = await Zmtp30Proxy.start(pub.lastEndpoint!);
  proxies.push(proxy);
  return { pub, proxy };
}

/** The ZMTP 3.0 frame of a one-part message `\x01A` (RFC 23 §"Framing": flags, short size, body). */
const SUBSCRIBE_A_MESSAGE = Buffer.from([0x00, 0x02, 0x01, 0x41]);

for (const [pubLib, subLib] of [
  ["skein", "libzmq"],
  ["libzmq", "skein"],
] as Array<[Lib, Lib]>) {
  describe(`${subLib} XSUB and ${pubLib} XPUB over a ZMTP 3.0 connection`, () => {
    test("subscriptions travel as messages, the publisher filters on them, and cancels stop delivery", async () => {
      const { pub, proxy } = await publisherBehindProxy(pubLib);
      const sub = sockets.make(subLib, "XSUB");
      sub.connect(proxy.endpoint);
      // A pending receive lets libzmq attach the new peer (see docs/interop.md).
      const first = sub.receive();
      await sub.send(Buffer.from("\x01A", "latin1"));
      expect(text(await pub.receive())).toEqual(["\x01A"]);

      // (libzmq's XSUB passes `\x01A` on as a message over 3.1 too; skein's
      // XSUB sends a SUBSCRIBE command over 3.1, so this checks skein's 3.0 rule.)
      const wire = Zmtp30Proxy.joined(proxy.upstream);
      expect(wire.includes(SUBSCRIBE_A_MESSAGE)).toBe(true);
      expect(wire.includes("SUBSCRIBE")).toBe(false);

      // XSUB does not filter: only the publisher's filtering keeps "B" away.
      await pub.send(["B", "not subscribed"]);
      await pub.send(["A", "one"]);
      await pub.send(["A-end"]);
      const got = await receiveUntil(sub, (m) => text(m)[0] === "A-end", () => false, first);
      expect(got.map(text)).toEqual([["A", "one"]]);

      await sub.send(Buffer.from("\x00A", "latin1"));
      await sub.send(Buffer.from("\x01C", "latin1"));
      expect(text(await pub.receive())).toEqual(["\x00A"]);
      expect(text(await pub.receive())).toEqual(["\x01C"]);
      await pub.send(["A", "after cancel"]);
      await pub.send(["C", "end"]);
      expect(text(await sub.receive())).toEqual(["C", "end"]);
      expect(Zmtp30Proxy.joined(proxy.upstream).includes("CANCEL")).toBe(false);
    });
  });

  test(`a ${subLib} SUB behind a ZMTP 3.0 link to a ${pubLib} PUB gets only what it subscribed to`, async () => {
    const pub = sockets.make(pubLib, "PUB");
    await pub.bind(bindAddress("tcp"));
    const proxy = await Zmtp30Proxy.start(pub.lastEndpoint!);
    proxies.push(proxy);
    const sub = sockets.make(subLib, "SUB");
    sub.connect(proxy.endpoint);
    const first = sub.receive();
    sub.subscribe!("A");
    await pollUntil(first, () => pub.send(["A", "probe"]), "the subscription");
    expect(Zmtp30Proxy.joined(proxy.upstream).includes(SUBSCRIBE_A_MESSAGE)).toBe(true);
    await pub.send(["B", "no"]);
    await pub.send(["A", "end"]);
    const got = await receiveUntil(sub, (m) => text(m).join() === "A,end", (m) => text(m)[1] === "probe");
    expect(got).toEqual([]);
  });
}
