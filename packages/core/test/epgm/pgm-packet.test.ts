/** PGM packet decoding: the options a NAK may carry, from a peer that may lie about their lengths. */
import { describe, expect, it } from "vitest";
import { decodePgm, PGM_NAK } from "../../src/transport/epgm/pgm-packet.js";
import { nakWithList, source } from "./pgm-craft.js";

describe("decodePgm: a NAK's OPT_NAK_LIST", () => {
  it("keeps every sqn of the list beside the NAK's own", () => {
    const packet = decodePgm(nakWithList(source(5555), 7, [8, 11, 0xffffffff], "10.0.0.1", "239.1.2.3"));
    expect(typeof packet).toBe("object");
    if (typeof packet === "string") return;
    expect(packet.type).toBe(PGM_NAK);
    expect(packet.sqn).toBe(7);
    expect(packet.nakList).toEqual([8, 11, 0xffffffff]);
  });

  it("refuses a list whose length is not a whole number of sqns, or runs past the options", () => {
    expect(decodePgm(nakWithList(source(5555), 7, [8, 9], "10.0.0.1", "239.1.2.3", 10))).toBe("options");
    expect(decodePgm(nakWithList(source(5555), 7, [8], "10.0.0.1", "239.1.2.3", 12))).toBe("options");
    expect(decodePgm(nakWithList(source(5555), 7, [8], "10.0.0.1", "239.1.2.3", 4))).toBe("options");
  });
});
