/** Hand-built PGM packets for tests: what a hostile or lossy network could send. */
import { encodeData, PGM_ODATA, type PgmSource } from "../../src/transport/epgm/pgm-packet.js";
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
