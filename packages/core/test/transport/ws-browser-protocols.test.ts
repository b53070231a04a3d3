/**
 * What a browser speaks to skein's ws:// server, from a raw peer: the
 * WebSocket API offers only token subprotocols, so NULL is libzmq's bare
 * `ZWS2.0` (a routing-id message each way instead of the NULL handshake)
 * and PLAIN/CURVE are `ZWS2.0-PLAIN`/`ZWS2.0-CURVE`. RFC 45's names still
 * win when a peer offers both (libzmq's client offers `ZWS2.0/NULL,ZWS2.0`).
 * The Chromium suite (examples/browser) runs the same against a real browser.
 */
import { describe, expect, it } from "vitest";
import { Dealer, Pull, Push, Reply, Router, curveKeyPair } from "../../src/index.js";
import { Opcode, WebSocketDecoder, encodeFrame } from "../../src/transport/ws/websocket-frame.js";
import { encodeUpgradeRequest, parseHttpHead } from "../../src/transport/ws/websocket-handshake.js";
import { rawConnect, socketScope, strings, until, within } from "../helpers.js";

const open = socketScope();
const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** A raw client that upgrades with `protocols` and reads the server's messages. */
async function rawBrowser(endpoint: string, protocols: string) {
  const path = new URL(endpoint).pathname;
  const raw = await rawConnect(endpoint.replace(/^ws:/, "tcp:").replace(/\/[^:]*$/, ""));
  raw.stream.write(encodeUpgradeRequest(path, "127.0.0.1", KEY, protocols));
  const messages: Buffer[] = [];
  let consumed = 0;
  let headers: Map<string, string> | null = null;
  const decoder = new WebSocketDecoder({ onMessage: (payload) => messages.push(Buffer.from(payload)), onControl: () => {} }, false, -1);
  /** Decodes what arrived since the last call. */
  const poll = (): void => {
    const received = raw.received();
    if (headers === null) {
      const parsed = parseHttpHead(received);
      if (parsed === null) return;
      headers = parsed.head.headers;
      consumed = received.length - parsed.rest.length;
    }
    if (received.length > consumed) {
      decoder.write(received.subarray(consumed));
      consumed = received.length;
    }
  };
  return {
    raw,
    messages,
    /** Resolves with the answer's headers. */
    async upgraded(): Promise<Map<string, string>> {
      await until(() => (poll(), headers !== null), "the HTTP answer");
      return headers!;
    },
    /** Resolves once `count` messages came. */
    async received(count: number): Promise<Buffer[]> {
      await until(() => (poll(), messages.length >= count), `${count} messages`);
      return messages.slice(0, count);
    },
    /** Sends one ZWS message (flags octet, body), masked as a client must. */
    send(flags: number, body: string | Buffer): void {
      for (const chunk of encodeFrame(Opcode.Binary, [Buffer.from([flags]), Buffer.from(body)], true)) raw.stream.write(chunk);
    },
  };
}

describe("ws:// server, the subprotocols a browser can offer", () => {
  it("answers bare ZWS2.0 for NULL and exchanges routing ids in place of the NULL handshake (REQ from a page to REP)", async () => {
    const reply = open(new Reply());
    await reply.bind("ws://127.0.0.1:0/rep");
    const page = await rawBrowser(reply.lastEndpoint!, "ZWS2.0");
    expect((await page.upgraded()).get("sec-websocket-protocol")).toBe("ZWS2.0");
    page.send(0x00, ""); // our routing id: none
    page.send(0x01, ""); // REQ's empty delimiter, MORE
    page.send(0x00, "hello");
    const request = await within(reply.receive());
    expect(strings(request)).toEqual(["hello"]);
    await reply.send("world");
    // The server's routing-id message (empty: REP announces none), then the reply with its delimiter.
    const [routingId, delimiter, body] = await page.received(3);
    expect([...routingId!]).toEqual([0x00]);
    expect([...delimiter!]).toEqual([0x01]);
    expect(body!.toString("latin1")).toBe("\u0000world");
    page.raw.stream.destroy();
  });

  it("takes a page's routing id from its first message, as ROUTER's routing id of that peer", async () => {
    const router = open(new Router());
    await router.bind("ws://127.0.0.1:0/router");
    const page = await rawBrowser(router.lastEndpoint!, "ZWS2.0");
    await page.upgraded();
    page.send(0x00, "page-7");
    page.send(0x00, "hi");
    const [id, body] = await within(router.receive());
    expect([String(id), String(body)]).toEqual(["page-7", "hi"]);
    page.raw.stream.destroy();
  });

  it("sends a bound DEALER's routingId as its routing-id message", async () => {
    const dealer = open(new Dealer({ routingId: "dealer-1" }));
    await dealer.bind("ws://127.0.0.1:0/dealer");
    const page = await rawBrowser(dealer.lastEndpoint!, "ZWS2.0");
    await page.upgraded();
    page.send(0x00, "");
    const [routingId] = await page.received(1);
    expect(routingId!.toString("latin1")).toBe("\u0000dealer-1");
    page.raw.stream.destroy();
  });

  it("answers RFC 45's ZWS2.0/NULL when a peer offers it besides bare ZWS2.0 (as libzmq's client does)", async () => {
    const pull = open(new Pull());
    await pull.bind("ws://127.0.0.1:0/both");
    const peer = await rawBrowser(pull.lastEndpoint!, "ZWS2.0/NULL, ZWS2.0");
    expect((await peer.upgraded()).get("sec-websocket-protocol")).toBe("ZWS2.0/NULL");
    peer.raw.stream.destroy();
  });

  it("answers ZWS2.0-CURVE for a CURVE server, and refuses bare ZWS2.0 there (it names NULL)", async () => {
    const keys = curveKeyPair();
    const pull = open(new Pull({ curveServer: true, curveSecretKey: keys.secretKey }));
    await pull.bind("ws://127.0.0.1:0/curve");
    const page = await rawBrowser(pull.lastEndpoint!, "ZWS2.0-CURVE");
    expect((await page.upgraded()).get("sec-websocket-protocol")).toBe("ZWS2.0-CURVE");
    page.raw.stream.destroy();
    const nullPage = await rawBrowser(pull.lastEndpoint!, "ZWS2.0");
    await within(nullPage.raw.closed);
    expect(nullPage.raw.received().toString("latin1")).toMatch(/^HTTP\/1\.1 400/);
  });

  it("still serves skein's own ws:// clients (RFC 45 names) next to pages", async () => {
    const pull = open(new Pull());
    await pull.bind("ws://127.0.0.1:0/mixed");
    const page = await rawBrowser(pull.lastEndpoint!, "ZWS2.0");
    await page.upgraded();
    page.send(0x00, "");
    page.send(0x00, "from a page");
    const push = open(new Push());
    push.connect(pull.lastEndpoint!);
    await push.send("from node");
    const got = [strings(await within(pull.receive()))[0], strings(await within(pull.receive()))[0]];
    expect(got.sort()).toEqual(["from a page", "from node"]);
    page.raw.stream.destroy();
  });
});
