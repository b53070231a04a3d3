/**
 * Fuzz target: ws frames (src/transport/ws/websocket-frame.ts decoding, and
 * src/transport/ws/zws-stream.ts turning each message into a ZMTP frame), both
 * sides, over an in-memory stream. The input is what the peer sends after
 * the upgrade, in random chunk splits. Checks: only ProtocolError
 * ERR_WS_PROTOCOL ends a connection, and whatever the stream hands the
 * engine decodes as well-formed ZMTP (after the greeting it makes up).
 */
import { describe } from "vitest";
import { ProtocolError, ZmqError } from "../../src/errors.js";
import { encodeFrame, Opcode } from "../../src/transport/ws/websocket-frame.js";
import { ZwsStream } from "../../src/transport/ws/zws-stream.js";
import { FrameDecoder } from "../../src/zmtp/frame-decoder.js";
import { GREETING_SIZE } from "../../src/zmtp/greeting.js";
import { check, fuzzTest, randomChunks, typedError, type FuzzTarget } from "./fuzz.js";
import { MemoryStream } from "./memory-stream.js";

/** One whole ws frame per part list, masked as a client sends them. */
function frame(opcode: Opcode, payload: Buffer, masked: boolean): Buffer {
  return Buffer.concat(encodeFrame(opcode, [payload], masked));
}

function fragmented(payload: Buffer, masked: boolean): Buffer {
  const first = Buffer.concat(encodeFrame(Opcode.Binary, [payload.subarray(0, 3)], masked));
  first[0]! &= 0x7f; // FIN off
  return Buffer.concat([first, frame(Opcode.Continuation, payload.subarray(3), masked)]);
}

const zmtp = (flags: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([flags]), body]);

function seeds(masked: boolean): Buffer[] {
  return [
    Buffer.concat([frame(Opcode.Binary, zmtp(2, Buffer.from("\x05READY\x0bSocket-Type\x00\x00\x00\x04PULL", "latin1")), masked), frame(Opcode.Binary, zmtp(0, Buffer.from("hi")), masked)]),
    Buffer.concat([frame(Opcode.Binary, zmtp(1, Buffer.alloc(300, 1)), masked), frame(Opcode.Binary, zmtp(0, Buffer.alloc(65600, 2)), masked)]),
    Buffer.concat([frame(Opcode.Ping, Buffer.from("p"), masked), fragmented(zmtp(0, Buffer.from("fragmented")), masked)]),
    frame(Opcode.Close, Buffer.from([0x03, 0xe8]), masked),
  ];
}

const CLIENT_SEEDS = seeds(false);
const SERVER_SEEDS = seeds(true);

const allowed = (error: unknown): boolean => typedError(error, ProtocolError, ["ERR_WS_PROTOCOL"]);

const target: FuzzTarget = {
  name: "ws frames (ZWS stream)",
  // Mask bits decide the side: the server side expects masked frames, the client side none.
  seeds: [...CLIENT_SEEDS, ...SERVER_SEEDS],
  allowed,
  ciRuns: 1000,
  async run(input, random) {
    const socket = new MemoryStream();
    const client = random.chance(0.5);
    const limit = random.pick([-1, 100, 70000]);
    const stream = new ZwsStream(socket.asSocket, Buffer.alloc(0), client, "NULL", { bytes: limit, name: "maxMessageSize" });
    // Past the ZMTP handshake: all frames a turn allows, under the message limit.
    stream.handshakeCompleted(limit, "maxMessageSize");
    let zmtpBytes = 0;
    let failure: unknown = null;
    let invalidZmtp: unknown = null;
    const decoder = new FrameDecoder({ onFrame: () => {} });
    let greeting = GREETING_SIZE;
    stream.on("data", (chunk: Buffer) => {
      zmtpBytes += chunk.length;
      const skip = Math.min(greeting, chunk.length);
      greeting -= skip;
      // What the stream makes must be valid ZMTP for the engine: a throw here is a finding.
      try {
        if (chunk.length > skip) decoder.write(chunk.subarray(skip));
      } catch (error) {
        invalidZmtp = error;
      }
    });
    stream.on("error", (error) => (failure = error));
    try {
      for (const chunk of randomChunks(input, random)) socket.push(chunk);
      // Reads and the stream's 'error' are delivered on later ticks.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      stream.destroy();
    }
    check(invalidZmtp === null, `the stream made invalid ZMTP: ${String(invalidZmtp)}`);
    check(zmtpBytes <= GREETING_SIZE + input.length * 8 + 64, "the stream made far more ZMTP than it received");
    if (failure !== null) {
      check(failure instanceof ZmqError, `stream failed with an untyped ${String(failure)}`);
      throw failure;
    }
  },
};

describe("fuzz: ws frames", () => {
  fuzzTest(target);
});
