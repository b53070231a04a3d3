/**
 * Fuzz target: ZAP replies (src/zap.ts), as an RFC 27 handler bound at
 * inproc://zeromq.zap.01 sends them. The reply parser is only reachable
 * through the ZAP client's socket, so the target runs it for real: a context,
 * a ROUTER handler, and the context's ZAP client asking.
 *
 * Each input is a reply, as frames: mutated from genuine replies. After the
 * mutated reply the handler sends a genuine one for the same request, so a
 * request whose mutated reply names another id still ends. Checks: the
 * request resolves to a well-formed reply or rejects with a ProtocolError
 * of libzmq's ERR_ZAP_* codes (docs/errors.md), never anything else, and the client keeps serving later requests.
 */
import { afterAll, describe } from "vitest";
import { Context } from "../../src/context.js";
import { ProtocolError } from "../../src/errors.js";
import type { ZapReply, ZapRequest } from "../../src/mechanism/mechanism.js";
import { Router } from "../../src/socket/router.js";
import { encodeMetadata } from "../../src/zmtp/metadata.js";
import { check, fuzzTest, typedError, type FuzzTarget } from "./fuzz.js";

/** Frames as one buffer: a 2-octet length before each (so byte mutations can reshape the frame list). */
function pack(frames: Buffer[]): Buffer {
  return Buffer.concat(frames.flatMap((frame) => [Buffer.from([frame.length >> 8, frame.length & 0xff]), frame]));
}

function unpack(data: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let at = 0;
  while (at + 2 <= data.length && frames.length < 16) {
    const length = data.readUInt16BE(at);
    frames.push(data.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return frames;
}

const ID = "\u0000id"; // replaced by the request's id before sending
const reply = (status: string, text: string, user: string, metadata: Buffer): Buffer =>
  pack([Buffer.alloc(0), Buffer.from("1.0"), Buffer.from(ID), Buffer.from(status), Buffer.from(text), Buffer.from(user), metadata]);

const SEEDS = [
  reply("200", "OK", "alice", Buffer.alloc(0)),
  reply("400", "Denied", "", Buffer.alloc(0)),
  reply("300", "Later", "", Buffer.alloc(0)),
  reply("500", "Broken", "", Buffer.alloc(0)),
  reply("200", "OK", "bob", encodeMetadata(new Map([["X-Role", Buffer.from("admin")]]))),
];

const REQUEST: ZapRequest = { domain: "", address: "127.0.0.1", identity: Buffer.alloc(0), mechanism: "PLAIN", credentials: [Buffer.from("u"), Buffer.from("p")] };

describe("fuzz: ZAP replies", async () => {
  const context = new Context();
  const handler = new Router({ context, linger: 0 });
  await handler.bind("inproc://zeromq.zap.01");
  afterAll(() => {
    handler.close();
    context.close();
  });

  const target: FuzzTarget = {
    name: "ZAP reply",
    seeds: SEEDS,
    allowed: (error) =>
      typedError(error, ProtocolError, ["ERR_ZAP_MALFORMED_REPLY", "ERR_ZAP_BAD_VERSION", "ERR_ZAP_INVALID_STATUS_CODE", "ERR_ZAP_INVALID_METADATA"]),
    async run(input) {
      const answer: Promise<ZapReply | null> = context.zap.authenticate(REQUEST);
      // A malformed reply rejects it while the handler is still sending: awaited below, handled from now on.
      answer.catch(() => {});
      const [routingId, ...request] = await handler.receive();
      const id = request[2]!;
      // The id placeholder becomes the real request id wherever the mutations left it.
      const frames = unpack(input).map((frame) => (frame.toString("latin1") === ID ? id : frame));
      if (frames.length > 0) await handler.send([routingId!, ...frames]);
      await handler.send([routingId!, Buffer.alloc(0), Buffer.from("1.0"), id, Buffer.from("200"), Buffer.from("OK"), Buffer.alloc(0), Buffer.alloc(0)]);
      const result = await answer;
      check(result !== null, "a handler is bound, yet no reply");
      check(["200", "300", "400", "500"].includes(result.statusCode), `status ${result.statusCode} accepted`);
      check(result.metadata instanceof Map, "metadata is not a Map");
    },
  };
  fuzzTest(target);
});
