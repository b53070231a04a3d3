import { createSocket, type Socket as DgramSocket } from "node:dgram";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Publisher, Subscriber } from "../../src/index.js";
import { encodeData, PGM_RDATA } from "../../src/transport/epgm/pgm-packet.js";
import { socketScope, until, within } from "../helpers.js";
import { odata, source, tsdu } from "./pgm-craft.js";

// A SUB bound to epgm:// listens on the port on every address: unicast datagrams to 127.0.0.1 reach it
// as multicast ones would, so these run without root or a multicast route.
let port = 0;
let raw: DgramSocket;
const track = socketScope();

beforeEach(async () => {
  port = 20000 + Math.floor(Math.random() * 20000);
  raw = createSocket("udp4");
  await new Promise<void>((resolve) => raw.bind(0, "127.0.0.1", resolve));
});

afterEach(() => {
  raw.close();
});

function send(packet: Buffer): Promise<void> {
  return new Promise((resolve, reject) => raw.send(packet, port, "127.0.0.1", (error) => (error ? reject(error) : resolve())));
}

async function subscriber(options: ConstructorParameters<typeof Subscriber>[0] = {}): Promise<Subscriber> {
  const sub = track(new Subscriber(options));
  sub.subscribe();
  await sub.bind(`epgm://127.0.0.1;239.193.0.1:${port}`);
  return sub;
}

describe("epgm:// receiving from a hostile network", () => {
  it("delivers a multipart message framed as libzmq frames it", async () => {
    const sub = await subscriber();
    await send(odata(source(port), 7, ["topic", "body"]));
    expect((await within(sub.receive())).map(String)).toEqual(["topic", "body"]);
  });

  it("drops and counts a packet with a bad checksum, and still takes good ones", async () => {
    const sub = await subscriber();
    const bad = odata(source(port), 1, ["forged"]);
    bad[bad.length - 1] ^= 0xff;
    await send(bad);
    await until(() => sub.pgmStatistics.badChecksum === 1, "bad checksum counted");
    await send(odata(source(port), 1, ["good"]));
    expect((await within(sub.receive())).map(String)).toEqual(["good"]);
  });

  it("drops and counts short, fragmented and unknown packets", async () => {
    const sub = await subscriber();
    await send(Buffer.alloc(10));
    const fragment = Buffer.concat([odata(source(port), 1, ["x"]).subarray(0, 24), Buffer.from([0x00, 0x04, 0x00, 0x13, 0x81, 0x0f, 0x00]), Buffer.alloc(12), tsdu(["x"])]);
    fragment[5] = 0x01;
    fragment.writeUInt16BE(0, 6);
    await send(fragment);
    const unknown = odata(source(port), 1, ["x"]);
    unknown[4] = 0x33;
    unknown.writeUInt16BE(0, 6);
    await send(unknown);
    await until(() => sub.pgmStatistics.malformed === 2 && sub.pgmStatistics.fragmented === 1, "bad packets counted");
    await send(odata(source(port), 1, ["after"]));
    expect((await within(sub.receive())).map(String)).toEqual(["after"]);
  });

  it("keeps state for at most multicastMaxSources sources", async () => {
    const sub = await subscriber({ multicastMaxSources: 2 });
    for (const gsi of [1, 2, 3]) await send(odata(source(port, gsi), 0, [`from ${gsi}`]));
    await until(() => sub.pgmStatistics.sourcesRefused === 1, "third source refused");
    const got = [String((await within(sub.receive()))[0]), String((await within(sub.receive()))[0])];
    expect(got.sort()).toEqual(["from 1", "from 2"]);
  });

  it("refuses data further ahead than the receive window", async () => {
    const sub = await subscriber();
    await send(odata(source(port), 0, ["first"]));
    await within(sub.receive());
    await send(odata(source(port), 1 + 20_000, ["far"]));
    await until(() => sub.pgmStatistics.outsideWindow === 1, "far packet refused");
  });

  it("drops a frame above maxMessageSize and resynchronises on the next message start", async () => {
    const sub = await subscriber({ maxMessageSize: 8 });
    await send(odata(source(port), 0, ["far too long for the limit"]));
    await until(() => sub.pgmStatistics.badFraming === 1, "oversized frame counted");
    await send(odata(source(port), 1, ["short"]));
    expect((await within(sub.receive())).map(String)).toEqual(["short"]);
  });

  it("NAKs a gap and delivers in order once the RDATA repairs it", async () => {
    const sub = await subscriber();
    const src = source(port);
    await send(odata(src, 10, ["a"]));
    await send(odata(src, 12, ["c"]));
    await until(() => sub.pgmStatistics.naksSent >= 1, "gap NAKed");
    await send(encodeData(src, PGM_RDATA, 11, 10, tsdu(["b"])));
    const got = [];
    for (let i = 0; i < 3; i++) got.push(String((await within(sub.receive()))[0]));
    expect(got).toEqual(["a", "b", "c"]);
    expect(sub.pgmStatistics.repairsReceived).toBe(1);
    expect(sub.pgmStatistics.lost).toBe(0);
  });

  it("skips a gap not repaired within recoveryInterval and counts it lost", async () => {
    const sub = await subscriber({ recoveryInterval: 100 });
    const src = source(port);
    await send(odata(src, 0, ["a"]));
    await send(odata(src, 2, ["c"]));
    expect(String((await within(sub.receive()))[0])).toBe("a");
    expect(String((await within(sub.receive()))[0])).toBe("c");
    expect(sub.pgmStatistics.lost).toBe(1);
  });
});

describe("pgm:// and misuse", () => {
  it("refuses pgm:// with EPROTONOSUPPORT naming epgm://", async () => {
    const sub = track(new Subscriber());
    await expect(sub.bind("pgm://127.0.0.1;239.193.0.1:5555")).rejects.toMatchObject({ code: "EPROTONOSUPPORT", detail: expect.stringContaining("epgm://") });
    expect(() => sub.connect("pgm://127.0.0.1;239.193.0.1:5555")).toThrow(expect.objectContaining({ code: "EPROTONOSUPPORT", detail: expect.stringContaining("epgm://") }));
  });

  it("refuses an epgm:// group that is not multicast", async () => {
    const pub = track(new Publisher());
    await expect(pub.bind("epgm://127.0.0.1;10.0.0.1:5555")).rejects.toMatchObject({ code: "EINVAL" });
  });
});
