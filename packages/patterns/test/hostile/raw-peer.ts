/**
 * A hostile peer written with `node:net` and hand-made ZMTP bytes (the
 * helpers of packages/core/test): it completes a NULL handshake as the
 * socket type it claims, then sends whatever frames a test gives it,
 * including ones no skein socket would send. It can stop reading, so the
 * other side's replies pile up in its queue and TCP window.
 */
import { rawConnect, rawFrame, rawGreeting, rawReady } from "../../../core/test/helpers.js";

export interface HostilePeer {
  /** Sends one multipart message (every frame but the last has MORE set). */
  send(frames: Buffer[]): void;
  /** Sends many messages in one write. */
  sendMany(messages: Buffer[][]): void;
  /** Stops reading: what the other side sends waits in its queue and in TCP. */
  stopReading(): void;
  /** Bytes received so far (greeting and READY included). */
  received(): Buffer;
  /** Closes the connection at once and waits for it to be gone. */
  destroy(): Promise<void>;
}

function encode(frames: Buffer[]): Buffer {
  return Buffer.concat(frames.map((frame, i) => rawFrame(i < frames.length - 1 ? 0x01 : 0x00, frame)));
}

/** Connects to `address` as a `socketType` peer (`DEALER`, `ROUTER`, `SUB`...). */
export async function hostilePeer(address: string, socketType: string): Promise<HostilePeer> {
  const raw = await rawConnect(address);
  raw.stream.write(Buffer.concat([rawGreeting(), rawReady(socketType)]));
  return {
    send: (frames) => void raw.stream.write(encode(frames)),
    sendMany: (messages) => void raw.stream.write(Buffer.concat(messages.map(encode))),
    stopReading: () => void raw.stream.pause(),
    received: raw.received,
    destroy: async () => {
      raw.stream.destroy();
      await raw.closed;
    },
  };
}

/** An 8-byte big-endian id frame. */
export function u64(value: bigint | number): Buffer {
  const frame = Buffer.alloc(8);
  frame.writeBigUInt64BE(BigInt(value));
  return frame;
}
