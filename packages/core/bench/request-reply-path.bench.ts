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
import type { Socket } from "../src/socket/socket-base.js";
import { encodeCommand } from "../src/zmtp/commands.js";
import { ZmtpEngine } from "../src/zmtp/engine.js";
import { FrameEncoder } from "../src/zmtp/frame-encoder.js";
import { encodeGreeting } from "../src/zmtp/greeting.js";
import { encodeMetadata } from "../src/zmtp/metadata.js";
import { MemoryStream } from "../test/fuzz/memory-stream.js";

const ROUND_TRIPS = 500;
const tiny = Buffer.alloc(16, 0x61);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A socket with one peer whose bytes are `stream`: the peer's greeting and READY already read. */
function connected(socket: Socket, peerType: string): MemoryStream {
  const stream = new MemoryStream();
  const engine = new ZmtpEngine(stream.asSocket, socket, {
    engineReady(ready) {
      const pipe = socket.createPipe(false, "tcp://bench");
      socket.attachPipe(pipe);
      ready.attach(pipe);
    },
    engineClosed() {},
  }, "tcp://bench", "tcp://127.0.0.1:1");
  engine.start("NULL", false);
  const ready = encodeCommand("READY", encodeMetadata(new Map([["Socket-Type", Buffer.from(peerType)]])));
  const handshake = new FrameEncoder();
  handshake.frame(ready, false, true);
  stream.push(Buffer.concat([encodeGreeting("NULL", false), ...handshake.take()]));
  return stream;
}

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
