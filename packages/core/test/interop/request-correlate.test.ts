/**
 * REQ with `correlate` and `relaxed` (ZMQ_REQ_CORRELATE, ZMQ_REQ_RELAXED)
 * across the wire: the request id frame libzmq puts before the delimiter,
 * and a relaxed REQ that resends before the reply came back dropping the
 * stale reply. Run with each library as the REQ.
 */
import { afterEach, describe, expect, test } from "vitest";
import { Sockets, link, skein, text, type Lib, type Peer, type Transport } from "./helpers.js";

const sockets = new Sockets();
afterEach(() => sockets.closeAll());

const TRANSPORTS: Transport[] = ["tcp", "ipc"];

/**
 * A REQ's receive, retried on EAGAIN. The `zeromq` package reads at once when
 * libzmq says a message is waiting; if that message is a stale reply that
 * libzmq's REQ drops (correlate), the read finds nothing and the promise
 * rejects with EAGAIN instead of waiting (see docs/interop.md). skein waits.
 */
async function receiveReply(req: Peer): Promise<Buffer[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await req.receive();
    } catch (error) {
      if ((error as { code?: string }).code !== "EAGAIN" || req instanceof skein.Request || attempt >= 3) throw error;
    }
  }
}

for (const [reqLib, peerLib] of [
  ["libzmq", "skein"],
  ["skein", "libzmq"],
] as Array<[Lib, Lib]>) {
  describe(`${reqLib} REQ with correlate and relaxed against ${peerLib}`, () => {
    for (const transport of TRANSPORTS) {
      test(`a ${peerLib} ROUTER sees a 4-octet request id before the delimiter, and the REQ takes only the latest reply, over ${transport}`, async () => {
        const req = sockets.make(reqLib, "REQ", { routingId: "req-1", correlate: true, relaxed: true });
        const router = sockets.make(peerLib, "ROUTER");
        await link(router, req, transport);

        await req.send("one");
        const first = await router.receive();
        expect(first).toHaveLength(4);
        expect(text([first[0]!])).toEqual(["req-1"]);
        expect(first[1]).toHaveLength(4);
        expect(text(first.slice(2))).toEqual(["", "one"]);

        // Relaxed: a new request before the reply; its id is a different one.
        await req.send("two");
        const second = await router.receive();
        expect(text([second[0]!, ...second.slice(2)])).toEqual(["req-1", "", "two"]);
        expect(second[1]!.equals(first[1]!)).toBe(false);

        // The stale reply goes first; correlate makes the REQ drop it.
        await router.send([first[0]!, first[1]!, Buffer.alloc(0), Buffer.from("reply-one")]);
        await router.send([second[0]!, second[1]!, Buffer.alloc(0), Buffer.from("reply-two")]);
        expect(text(await receiveReply(req))).toEqual(["reply-two"]);

        // And the REQ carries on normally.
        await req.send("three");
        const third = await router.receive();
        await router.send([third[0]!, third[1]!, Buffer.alloc(0), Buffer.from("reply-three")]);
        expect(text(await req.receive())).toEqual(["reply-three"]);
      });

      test(`a ${peerLib} REP echoes the request id, and the relaxed REQ drops the stale reply, over ${transport}`, async () => {
        const req = sockets.make(reqLib, "REQ", { correlate: true, relaxed: true });
        const rep = sockets.make(peerLib, "REP");
        await link(rep, req, transport);

        await req.send("one");
        expect(text(await rep.receive())).toEqual(["one"]);
        await req.send("two");
        await rep.send("reply-one");
        expect(text(await rep.receive())).toEqual(["two"]);
        await rep.send("reply-two");
        expect(text(await receiveReply(req))).toEqual(["reply-two"]);
      });
    }
  });
}
