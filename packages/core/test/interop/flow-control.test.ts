/**
 * Volume across the wire: many messages, more than the high-water marks,
 * so each side's back-pressure (stop reading, resume, wait for drain) is
 * exercised against libzmq's, and nothing is lost, duplicated or reordered
 * on a lossless pattern.
 */
import { afterEach, describe, expect, test } from "vitest";
import { Sockets, link, type Lib, type Transport } from "./helpers.js";

const sockets = new Sockets();
afterEach(() => sockets.closeAll());

const COUNT = 20_000;
const TRANSPORTS: Transport[] = ["tcp", "ipc"];

for (const [pushLib, pullLib] of [
  ["skein", "libzmq"],
  ["libzmq", "skein"],
] as Array<[Lib, Lib]>) {
  describe(`${pushLib} PUSH to ${pullLib} PULL under back-pressure`, () => {
    for (const transport of TRANSPORTS) {
      test(`${COUNT} two-part messages arrive once each and in order over ${transport}, with small high-water marks`, async () => {
        const push = sockets.make(pushLib, "PUSH");
        const pull = sockets.make(pullLib, "PULL");
        // (libzmq's PUSH has no receive option, its PULL no send option.)
        (push as unknown as { sendHighWaterMark: number }).sendHighWaterMark = 50;
        (pull as unknown as { receiveHighWaterMark: number }).receiveHighWaterMark = 50;
        await link(pull, push, transport);
        const body = Buffer.alloc(512, 0x2a);
        const sending = (async () => {
          const seq = Buffer.alloc(4);
          for (let i = 0; i < COUNT; i++) {
            seq.writeUInt32BE(i, 0);
            await push.send([Buffer.from(seq), body]);
          }
        })();
        let mismatch = -1;
        for (let i = 0; i < COUNT; i++) {
          const [seq, payload] = await pull.receive();
          if (mismatch < 0 && (seq!.readUInt32BE(0) !== i || !payload!.equals(body))) mismatch = i;
        }
        await sending;
        expect(mismatch).toBe(-1);
      });
    }
  });
}
