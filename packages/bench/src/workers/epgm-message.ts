/**
 * epgm:// case messages: the PUB/SUB layout (pubsub-message.ts: topic, kind,
 * padding) with a data message's sequence number at octets 2-5, so the
 * subscriber can tell a lost message from a late one.
 */
import { KIND_DATA } from "./pubsub-message.js";

/** Octet offset of the sequence number. */
export const SEQUENCE_OFFSET = 2;
/** Smallest message that holds topic, kind and sequence number. */
export const MIN_EPGM_MESSAGE = SEQUENCE_OFFSET + 4;

/** A copy of `template` (a data message of at least {@link MIN_EPGM_MESSAGE} octets) numbered `sequence`. */
export function epgmDataMessage(template: Buffer, sequence: number): Buffer {
  const message = Buffer.allocUnsafe(template.length);
  template.copy(message);
  message.writeUInt32BE(sequence >>> 0, SEQUENCE_OFFSET);
  return message;
}

/** The sequence number of a data message, or -1 for any other kind. */
export function epgmSequence(message: Buffer): number {
  return message.length >= MIN_EPGM_MESSAGE && message[1] === KIND_DATA ? message.readUInt32BE(SEQUENCE_OFFSET) : -1;
}
