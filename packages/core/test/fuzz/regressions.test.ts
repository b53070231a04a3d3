/**
 * Bugs the fuzz targets found, one test each, named after the behaviour.
 */
import { describe, expect, it } from "vitest";
import { ZmqError } from "../../src/errors.js";
import { FrameDecoder } from "../../src/zmtp/frame-decoder.js";

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
