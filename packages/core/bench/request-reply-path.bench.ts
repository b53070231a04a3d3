/**
 * Micro-benchmark of REQ/REP's send path, one message a turn of the event
 * loop as in a round trip: a real socket and a real ZMTP engine over an
 * in-memory stream (test/fuzz/memory-stream.ts) after a real handshake.
 *
 * - REQ: `await req.send(16 B)` then one `setImmediate`, so each request is
 *   the first message of its turn and is written at once (socket, REQ
 *   envelope, load balancer, pipe, engine, frame encoder, stream write);
 * - REP: a request pushed into the stream, `receive()` and `send()` of the
 *   reply (`[Buffer]`, as an echo sends what it received), one turn each;
 * - the same turn alone, for reference (what the loop costs without skein).
 *
 * Reports only; never fails on timing. Run: `npx vitest bench --run
 * packages/core/bench/request-reply-path.bench.ts` (`pnpm bench` runs it too).
 */
import { bench, describe } from "vitest";
import { Reply } from "../src/socket/reply.js";
import { Request } from "../src/socket/request.js";
import { FrameEncoder } from "../src/zmtp/frame-encoder.js";
import { connected } from "./memory-connection.js";

const ROUND_TRIPS = 500;
const tiny = Buffer.alloc(16, 0x61);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One request as a REQ puts it on the wire: the empty delimiter, then the body. */
function requestBytes(): Buffer {
  const encoder = new FrameEncoder();
  encoder.frame(Buffer.alloc(0), true);
  encoder.frame(tiny, false);
  return Buffer.concat(encoder.take());
}

describe(`REQ/REP send path: ${ROUND_TRIPS} messages, one a turn`, () => {
  const req = new Request({ relaxed: true });
  connected(req, "REP");
  bench("REQ: await send(16 B), then a turn", async () => {
    for (let i = 0; i < ROUND_TRIPS; i++) {
      await req.send(tiny);
      await turn();
    }
  });

  const rep = new Reply();
  const stream = connected(rep, "REQ");
  const request = requestBytes();
  bench("REP: a request read, receive() and send() of the reply, then a turn", async () => {
    for (let i = 0; i < ROUND_TRIPS; i++) {
      stream.push(request);
      const msg = await rep.receive();
      await rep.send(msg);
      await turn();
    }
  });

  bench("the turn alone (reference)", async () => {
    for (let i = 0; i < ROUND_TRIPS; i++) await turn();
  });
});
