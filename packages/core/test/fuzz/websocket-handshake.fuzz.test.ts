/**
 * Fuzz target: the WebSocket upgrade (src/transport/ws/websocket-handshake.ts):
 * the HTTP head parser, fed in pieces as a connection delivers them, then the
 * server's check of a request or the client's check of a response.
 */
import { describe } from "vitest";
import { ProtocolError } from "../../src/errors.js";
import {
  checkUpgradeRequest,
  checkUpgradeResponse,
  encodeUpgradeRequest,
  encodeUpgradeResponse,
  MAX_HEAD_SIZE,
  parseHttpHead,
  zwsProtocol,
} from "../../src/transport/ws/websocket-handshake.js";
import { check, fuzzTest, randomChunks, typedError, type FuzzTarget } from "./fuzz.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const PROTOCOL = zwsProtocol("NULL");

const SEEDS = [
  encodeUpgradeRequest("/", "127.0.0.1:8080", KEY, PROTOCOL),
  encodeUpgradeRequest("/path?q=1", "[::1]:80", KEY, `${zwsProtocol("CURVE")}, ${PROTOCOL}`),
  encodeUpgradeResponse(KEY, PROTOCOL),
  Buffer.concat([encodeUpgradeResponse(KEY, PROTOCOL), Buffer.from([0x82, 0x02, 0x00, 0x00])]),
  Buffer.from("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", "latin1"),
];

const target: FuzzTarget = {
  name: "ws upgrade request/response",
  seeds: SEEDS,
  allowed: (error) => typedError(error, ProtocolError, ["ERR_WS_HANDSHAKE"]),
  run(input, random) {
    // As the transport does: keep what arrived, try to parse after each piece.
    let received = Buffer.alloc(0);
    for (const chunk of randomChunks(input, random)) {
      received = Buffer.concat([received, chunk]);
      const parsed = parseHttpHead(received);
      if (parsed === null) continue;
      check(parsed.rest.length < received.length, "the head took no octets");
      check(received.length - parsed.rest.length <= MAX_HEAD_SIZE + 4, "a head above MAX_HEAD_SIZE was accepted");
      if (parsed.head.startLine.startsWith("HTTP/")) checkUpgradeResponse(parsed.head, KEY, PROTOCOL);
      else checkUpgradeRequest(parsed.head, PROTOCOL);
      return;
    }
    check(received.length <= MAX_HEAD_SIZE, "an unterminated head above MAX_HEAD_SIZE was kept");
  },
};

describe("fuzz: ws upgrade", () => {
  fuzzTest(target);
});
