/** Hand-built PGM packets for tests: what a hostile or lossy network could send. */
import { encodeData, encodeNakOrNcf, PGM_NAK, PGM_ODATA, pgmChecksum, type PgmSource } from "../../src/transport/epgm/pgm-packet.js";
import { v1FrameHeader } from "../../src/transport/epgm/zmq-v1-framing.js";

/** A TSDU as libzmq frames it: offset of the first message start, then ZMTP/1.0 frames. */
export function tsdu(frames: readonly string[], offset = 0): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(offset, 0);
  const parts: Buffer[] = [head];
  frames.forEach((frame, i) => {
    const body = Buffer.from(frame);
    parts.push(v1FrameHeader(body.length, i < frames.length - 1), body);
  });
  return Buffer.concat(parts);
}

/** A source with a fixed GSI, sending to `port`. */
export function source(port: number, gsiByte = 1): PgmSource {
  return { gsi: Buffer.alloc(6, gsiByte), sourcePort: 40000 + gsiByte, destinationPort: port };
}

/** An ODATA of `frames` at `sqn`. */
export function odata(src: PgmSource, sqn: number, frames: readonly string[], type = PGM_ODATA): Buffer {
  return encodeData(src, type, sqn, 0, tsdu(frames));
}

/**
 * A NAK for `sqn` carrying `list` in an OPT_NAK_LIST, as OpenPGM sends one
 * when two or more packets are missing (`optionLength` overrides the list
 * option's length octet, to craft a malformed one).
 */
export function nakWithList(src: PgmSource, sqn: number, list: readonly number[], sourceNla: string, groupNla: string, optionLength?: number): Buffer {
  const packet = encodeNakOrNcf(src, PGM_NAK, sqn, sourceNla, groupNla, list);
  if (optionLength === undefined) return packet;
  packet[16 + 20 + 5] = optionLength;
  packet.writeUInt16BE(0, 6);
  packet.writeUInt16BE(pgmChecksum(packet), 6);
  return packet;
}
