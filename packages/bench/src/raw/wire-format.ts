/**
 * The ZMTP 3.x frame layout used by the raw `node:net` baselines.
 *
 * RFC 23 / RFC 37 §2.3 (framing): a frame is one flags octet (bit 0 MORE,
 * bit 1 LONG, bit 2 COMMAND) then the body size, one octet for a short frame
 * or eight octets in network byte order for a long one, then the body. The
 * baselines speak exactly this framing but skip the greeting and handshake
 * (RFC 37 §2.1/§2.2): those happen once per connection and cost nothing in a
 * throughput or latency figure.
 */

/** RFC 37 §2.3: "more frames follow" bit of the flags octet. */
export const FLAG_MORE = 0x01;

/** RFC 37 §2.3: "size is 8 octets" bit of the flags octet. */
export const FLAG_LONG = 0x02;

/** Largest body a short frame can carry. */
export const SHORT_FRAME_MAX = 255;

/** Size of the write buffers the bare packer fills before each `socket.write`. */
export const PACK_CHUNK_SIZE = 64 * 1024;

/** Bodies at least this large are written as their own buffer instead of being copied into a pack. */
export const DIRECT_WRITE_THRESHOLD = 8 * 1024;

/** Unsent bytes a writer lets queue in a socket before it waits for `drain`. */
export const WRITE_BACKLOG_LIMIT = 2 * 1024 * 1024;

/** Bytes of framing in front of a body of `size` bytes. */
export function headerSize(size: number): number {
  return size > SHORT_FRAME_MAX ? 9 : 2;
}

/**
 * Writes the flags and size octets for a body of `size` bytes at `offset`
 * and returns the offset just past them.
 */
export function writeHeader(target: Buffer, offset: number, size: number, more: boolean): number {
  const more_bit = more ? FLAG_MORE : 0;
  if (size > SHORT_FRAME_MAX) {
    target[offset] = FLAG_LONG | more_bit;
    target.writeBigUInt64BE(BigInt(size), offset + 1);
    return offset + 9;
  }
  target[offset] = more_bit;
  target[offset + 1] = size;
  return offset + 2;
}
