/** PGM packet decoding: the options a NAK may carry, from a peer that may lie about their lengths. */
import { describe, expect, it } from "vitest";
import { decodePgm, encodeNakOrNcf, MAX_NAK_LIST, nakOrNcfLength, PGM_NAK, PGM_NCF } from "../../src/transport/epgm/pgm-packet.js";
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

describe("encodeNakOrNcf: one NCF for a whole NAK list, as OpenPGM answers one", () => {
  it("names the first sqn and lists the rest, and decodes back", () => {
    const list = Array.from({ length: MAX_NAK_LIST }, (_, i) => 1000 + i);
    const ncf = encodeNakOrNcf(source(5555), PGM_NCF, 999, "10.0.0.1", "239.1.2.3", list);
    expect(ncf.length).toBe(nakOrNcfLength(1 + MAX_NAK_LIST));
    const packet = decodePgm(ncf);
    if (typeof packet === "string") throw new Error(packet);
    expect(packet.type).toBe(PGM_NCF);
    expect(packet.sqn).toBe(999);
    expect(packet.nakList).toEqual(list);
    expect(packet.groupNla).toBe("239.1.2.3");
  });

  it("refuses a list longer than an option can hold", () => {
    expect(() => encodeNakOrNcf(source(5555), PGM_NCF, 1, "10.0.0.1", "239.1.2.3", Array<number>(MAX_NAK_LIST + 1).fill(2))).toThrow(RangeError);
  });
});
