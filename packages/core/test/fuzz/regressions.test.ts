/**
 * Bugs the fuzz targets found, one test each, named after the behaviour.
 */
import { describe, expect, it } from "vitest";
import { ZmqError } from "../../src/errors.js";
import { NullMechanism } from "../../src/mechanism/null.js";
import { FrameDecoder } from "../../src/zmtp/frame-decoder.js";
import { securityOptions } from "../mechanism/mechanism-pair.js";

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
