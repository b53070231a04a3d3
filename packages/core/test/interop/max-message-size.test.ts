/**
 * `maxMessageSize` (ZMQ_MAXMSGSIZE) against the other library: a receiver
 * drops a connection that carries a larger message, never delivers it, and
 * the sender's reconnect lets smaller messages through again.
 */
import { afterEach, describe, expect, test } from "vitest";
import { Sockets, link, pollUntil, receiveUntil, text, type Lib, type Transport } from "./helpers.js";

const sockets = new Sockets();
afterEach(() => sockets.closeAll());

const TRANSPORTS: Transport[] = ["tcp", "ipc"];

for (const [pushLib, pullLib] of [
  ["libzmq", "skein"],
  ["skein", "libzmq"],
] as Array<[Lib, Lib]>) {
  describe(`${pullLib} PULL with maxMessageSize, ${pushLib} PUSH`, () => {
    for (const transport of TRANSPORTS) {
      test(`an oversized message is never delivered and later small ones are, over ${transport}`, async () => {
        const pull = sockets.make(pullLib, "PULL");
        (pull as unknown as { maxMessageSize: number }).maxMessageSize = 1024;
        const push = sockets.make(pushLib, "PUSH");
        await link(pull, push, transport);
        await push.send("small");
        expect(text(await pull.receive())).toEqual(["small"]);

        await push.send(Buffer.alloc(4096, 0x62));
        // The oversized message cost the connection (and whatever was in flight on it); probe until the reconnect.
        const first = await pollUntil(pull.receive(), () => push.send("probe"), "the reconnect after the oversized message");
        expect(text(first)).toEqual(["probe"]);
        await push.send("end");
        const rest = await receiveUntil(pull, (m) => text(m)[0] === "end", (m) => text(m)[0] === "probe");
        expect(rest.map((m) => m[0]!.length)).toEqual([]);
      });
    }
  });
}
