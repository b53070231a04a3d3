/**
 * Bugs the fuzz targets found, one test each, named after the behaviour.
 */
import { describe, expect, it } from "vitest";
import { ProtocolError, ZmqError } from "../../src/errors.js";
import { NullMechanism } from "../../src/mechanism/null.js";
import { FrameDecoder } from "../../src/zmtp/frame-decoder.js";
import { ZwsStream } from "../../src/transport/ws/zws-stream.js";
import { securityOptions } from "../mechanism/mechanism-pair.js";
import { MemoryStream } from "./memory-stream.js";

describe("fuzz regressions", () => {
  it("a frame announcing more octets than a Buffer can hold is refused as EMSGSIZE, not a RangeError", () => {
    const decoder = new FrameDecoder({ onFrame: () => {} }, -1);
    // LONG frame, size 0x0000_8153_041a_4e45 (from the fuzzer): above buffer.constants.MAX_LENGTH.
    const header = Buffer.from("0200008153041a4e45", "hex");
    let thrown: unknown = null;
    try {
      decoder.write(Buffer.concat([header, Buffer.from("body")]));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ZmqError);
    expect((thrown as ZmqError).code).toBe("EMSGSIZE");
  });
});

describe("fuzz regressions: NULL mechanism", () => {
  it("a NULL mechanism that failed ignores the commands after it: one failure per connection", () => {
    const failures: unknown[] = [];
    const mechanism = new NullMechanism({
      asServer: false,
      security: securityOptions(),
      localMetadata: new Map(),
      peerAddress: "tcp://127.0.0.1:1",
      sendCommand: () => {},
      authenticate: async () => null,
      handshakeSucceeded: () => {},
      handshakeFailed: (error) => failures.push(error),
    });
    mechanism.onCommand("ERROR", Buffer.from("\x04nope", "latin1"));
    mechanism.onCommand("READY", Buffer.alloc(0));
    mechanism.onCommand("HELLO", Buffer.alloc(0));
    expect(failures).toHaveLength(1);
  });
});

/** The client side of a ZWS stream over an in-memory socket, fed `hex` from the server. */
async function zwsClientReads(hex: string): Promise<{ errors: unknown[]; zmtp: Buffer }> {
  const socket = new MemoryStream();
  const stream = new ZwsStream(socket.asSocket, Buffer.alloc(0), true, "NULL", { bytes: -1, name: "maxMessageSize" });
  stream.handshakeCompleted(-1, "maxMessageSize");
  const errors: unknown[] = [];
  const zmtp: Buffer[] = [];
  stream.on("error", (error) => errors.push(error));
  stream.on("data", (chunk: Buffer) => zmtp.push(chunk));
  const closed = new Promise((resolve) => stream.once("close", resolve));
  socket.push(Buffer.from(hex, "hex"));
  await closed;
  return { errors, zmtp: Buffer.concat(zmtp) };
}

describe("fuzz regressions: ZWS stream", () => {
  it("a ZWS stream whose peer sent a close frame ends without an error", async () => {
    // Close frame, status 1000, unmasked (server to client).
    const { errors } = await zwsClientReads("880203e8");
    expect(errors).toEqual([]);
  });

  it("a ZWS stream ignores frames that follow a close frame in the same read", async () => {
    // Two close frames, then a binary message, in one chunk.
    const { errors } = await zwsClientReads("880203e8880203e882020000");
    expect(errors).toEqual([]);
  });

  it("a ZWS message flagged both command and more is refused as ERR_WS_PROTOCOL, never passed on as ZMTP", async () => {
    // Binary message: flags 0x03, one body octet.
    const { errors, zmtp } = await zwsClientReads("820203ff");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ProtocolError);
    expect((errors[0] as ProtocolError).code).toBe("ERR_WS_PROTOCOL");
    // Only the greeting the stream makes up reached the engine's side.
    expect(zmtp.length).toBe(64);
  });
});
