/** SWAP case messages: a u32 sequence number in octets 0-3, the rest filled from it. */

/** Message `i` of `size` octets (at least 4). */
export function numberedMessage(i: number, size: number): Buffer {
  const message = Buffer.alloc(Math.max(4, size), i & 0xff);
  message.writeUInt32BE(i >>> 0, 0);
  return message;
}

/** The sequence number a message carries. */
export function messageNumber(message: Buffer): number {
  return message.readUInt32BE(0);
}
