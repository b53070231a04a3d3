/**
 * Linger across the wire: a socket that sends and closes at once still
 * delivers what it queued to the other library's peer when `linger` allows
 * (ZMQ_LINGER).
 */
import { afterEach, describe, expect, test } from "vitest";
import { Sockets, link, text, type Lib, type Transport } from "./helpers.js";

const sockets = new Sockets();
afterEach(() => sockets.closeAll());

const TRANSPORTS: Transport[] = ["tcp", "ipc"];
const COUNT = 200;

for (const [pushLib, pullLib] of [
  ["skein", "libzmq"],
  ["libzmq", "skein"],
] as Array<[Lib, Lib]>) {
  describe(`${pushLib} PUSH closing with linger, ${pullLib} PULL`, () => {
    for (const transport of TRANSPORTS) {
      test(`messages sent right before close() all arrive when linger allows, over ${transport}`, async () => {
        const pull = sockets.make(pullLib, "PULL");
        const push = sockets.make(pushLib, "PUSH");
        await link(pull, push, transport);
        // One round trip first, so the connection is up and the close below is what is tested.
        await push.send("ready");
        expect(text(await pull.receive())).toEqual(["ready"]);

        const body = Buffer.alloc(64 * 1024, 0x61);
        for (let i = 0; i < COUNT; i++) await push.send([String(i), body]);
        push.linger = 5000;
        push.close();
        for (let i = 0; i < COUNT; i++) {
          const [seq, payload] = await pull.receive();
          expect(seq!.toString()).toBe(String(i));
          expect(payload!.length).toBe(body.length);
        }
      });
    }
  });
}
