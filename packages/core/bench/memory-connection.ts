/**
 * For the micro-benchmarks: a socket with one peer over an in-memory stream
 * (test/fuzz/memory-stream.ts), a real ZMTP engine between them, after a
 * real handshake (the peer's greeting and READY already read).
 */
import type { Socket } from "../src/socket/socket-base.js";
import { encodeCommand } from "../src/zmtp/commands.js";
import { ZmtpEngine } from "../src/zmtp/engine.js";
import { FrameEncoder } from "../src/zmtp/frame-encoder.js";
import { encodeGreeting } from "../src/zmtp/greeting.js";
import { encodeMetadata } from "../src/zmtp/metadata.js";
import { MemoryStream } from "../test/fuzz/memory-stream.js";

/** Connects `socket` to a peer of `peerType` whose bytes are the returned stream (push into it what the peer sends). */
export function connected(socket: Socket, peerType: string): MemoryStream {
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
