/**
 * The WebSocket opening handshake (RFC 6455 §4) as ZWS 2.0 uses it
 * (RFC 45 §"Handshake"): an HTTP/1.1 GET with `Upgrade: websocket` whose
 * `Sec-WebSocket-Protocol` names the security mechanism (`ZWS2.0/NULL`,
 * `ZWS2.0/PLAIN`, `ZWS2.0/CURVE`), answered by `101 Switching Protocols`.
 */
import { nodeCrypto } from "../../util/lazy-require.js";
import { ProtocolError } from "../../errors.js";

/** RFC 6455 §1.3: the GUID appended to the key before hashing. */
const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** A request or response head larger than this is refused. */
export const MAX_HEAD_SIZE = 8 * 1024;

/** An HTTP message head: start line and headers (names lower-cased). */
export interface HttpHead {
  startLine: string;
  headers: Map<string, string>;
}

export { zwsProtocol } from "./zws-message.js";

/** RFC 6455 §4.2.2: base64 of the SHA-1 of key + GUID. */
export function acceptKey(key: string): string {
  return nodeCrypto().createHash("sha1").update(key + WEBSOCKET_GUID).digest("base64");
}

/** A fresh `Sec-WebSocket-Key`: 16 random octets, base64 (RFC 6455 §4.1). */
export function newKey(): string {
  return nodeCrypto().randomBytes(16).toString("base64");
}

/**
 * Splits an HTTP head off the front of `data`. Returns null while the blank
 * line has not arrived; throws a {@link ProtocolError} for an oversized or
 * malformed head.
 */
export function parseHttpHead(data: Buffer): { head: HttpHead; rest: Buffer } | null {
  const end = data.indexOf("\r\n\r\n", 0, "latin1");
  if (end < 0) {
    if (data.length > MAX_HEAD_SIZE) throw new ProtocolError("ERR_WS_HANDSHAKE", "WebSocket handshake head too large");
    return null;
  }
  if (end > MAX_HEAD_SIZE) throw new ProtocolError("ERR_WS_HANDSHAKE", "WebSocket handshake head too large");
  const lines = data.subarray(0, end).toString("latin1").split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new ProtocolError("ERR_WS_HANDSHAKE", `Malformed HTTP header line ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    // Repeated headers join with commas (RFC 7230 §3.2.2).
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  return { head: { startLine: lines[0]!, headers }, rest: data.subarray(end + 4) };
}

function tokens(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(",").map((token) => token.trim().toLowerCase());
}

/** The client's opening request (RFC 6455 §4.1). */
export function encodeUpgradeRequest(path: string, host: string, key: string, protocol: string): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\n` +
      `Host: ${host}\r\n` +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      `Sec-WebSocket-Key: ${key}\r\n` +
      `Sec-WebSocket-Protocol: ${protocol}\r\n` +
      "Sec-WebSocket-Version: 13\r\n\r\n",
    "latin1",
  );
}

/**
 * Checks a client's request (RFC 6455 §4.2.1) and picks the subprotocol:
 * the first one offered that equals `protocol`. Returns the key to answer.
 */
export function checkUpgradeRequest(head: HttpHead, protocol: string): string {
  if (!/^GET \S+ HTTP\/1\.1$/.test(head.startLine)) {
    throw new ProtocolError("ERR_WS_HANDSHAKE", `Not a WebSocket request: ${JSON.stringify(head.startLine.slice(0, 80))}`);
  }
  const { headers } = head;
  if (!tokens(headers.get("upgrade")).includes("websocket") || !tokens(headers.get("connection")).includes("upgrade")) {
    throw new ProtocolError("ERR_WS_HANDSHAKE", "HTTP request does not ask for a WebSocket upgrade");
  }
  const key = headers.get("sec-websocket-key");
  if (key === undefined || key.length === 0) throw new ProtocolError("ERR_WS_HANDSHAKE", "WebSocket request has no Sec-WebSocket-Key");
  const offered = offeredProtocols(head);
  if (!offered.includes(protocol)) {
    throw new ProtocolError("ERR_WS_HANDSHAKE", `WebSocket client offers ${JSON.stringify(offered.join(","))}, this socket needs ${protocol}`);
  }
  return key;
}

/** The subprotocols a request offers (`Sec-WebSocket-Protocol`, comma-separated). */
export function offeredProtocols(head: HttpHead): string[] {
  return (head.headers.get("sec-websocket-protocol") ?? "").split(",").map((token) => token.trim());
}

/** The server's 101 answer (RFC 6455 §4.2.2). */
export function encodeUpgradeResponse(key: string, protocol: string): Buffer {
  return Buffer.from(
    "HTTP/1.1 101 Switching Protocols\r\n" +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
      `Sec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
    "latin1",
  );
}

/** What a server sends before dropping a request it refuses. */
export const BAD_REQUEST = Buffer.from("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", "latin1");

/** Checks the server's answer (RFC 6455 §4.1, client requirements 1-6). */
export function checkUpgradeResponse(head: HttpHead, key: string, protocol: string): void {
  if (!/^HTTP\/1\.1 101\b/.test(head.startLine)) {
    throw new ProtocolError("ERR_WS_HANDSHAKE", `WebSocket upgrade refused: ${JSON.stringify(head.startLine.slice(0, 80))}`);
  }
  const { headers } = head;
  if (!tokens(headers.get("upgrade")).includes("websocket") || !tokens(headers.get("connection")).includes("upgrade")) {
    throw new ProtocolError("ERR_WS_HANDSHAKE", "WebSocket answer lacks Upgrade/Connection headers");
  }
  if (headers.get("sec-websocket-accept") !== acceptKey(key)) {
    throw new ProtocolError("ERR_WS_HANDSHAKE", "WebSocket answer has a wrong Sec-WebSocket-Accept");
  }
  if (headers.get("sec-websocket-protocol") !== protocol) {
    throw new ProtocolError("ERR_WS_HANDSHAKE", `WebSocket server chose ${JSON.stringify(headers.get("sec-websocket-protocol") ?? "")}, expected ${protocol}`);
  }
}
