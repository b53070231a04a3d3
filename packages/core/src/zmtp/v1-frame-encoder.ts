/**
 * The ZMTP/1.0 frame encoder (RFC 13 §"The Framing Layer"), for peers from
 * the libzmq 2.x generation: {@link FrameEncoder}'s batching with the older
 * header, where the length counts the flags octet and comes first.
 *
 *   length  = OCTET (1 to 254) / (%xFF 8OCTET)
 *   flags   = %x00 final / %x01 more
 *
 * ZMTP/1.0 has no commands: nothing asks this encoder for one.
 */
import { FrameEncoder, writeSize64 } from "./frame-encoder.js";
import { FLAG_MORE } from "./frame.js";

/** RFC 13: lengths of 1 to 254 fit the one-octet form; 255 announces 8 octets. */
const LONG_LENGTH = 0xff;

export class V1FrameEncoder extends FrameEncoder {
  protected override headerLength(size: number): number {
    return size + 1 < LONG_LENGTH ? 2 : 10;
  }

  protected override writeHeader(block: Buffer, pos: number, size: number, more: boolean): number {
    const length = size + 1;
    if (length < LONG_LENGTH) {
      block[pos++] = length;
    } else {
      block[pos++] = LONG_LENGTH;
      writeSize64(block, pos, length);
      pos += 8;
    }
    block[pos++] = more ? FLAG_MORE : 0;
    return pos;
  }
}
