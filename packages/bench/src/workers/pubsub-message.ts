/**
 * Layout of a PUB/SUB benchmark message: octet 0 is the topic (`A` is
 * subscribed, `B` is not, so half the traffic is filtered out), octet 1 the
 * kind (`D` data, `P` probe sent until every subscriber is connected, `E`
 * end of run), then padding up to the message size.
 */
export const SUBSCRIBED_TOPIC = "A";
export const KIND_DATA = 0x44; // 'D'
export const KIND_PROBE = 0x50; // 'P'
export const KIND_END = 0x45; // 'E'

/** A message of `size` bytes (at least 2) with the given topic and kind. */
export function pubsubMessage(topic: "A" | "B", kind: number, size: number): Buffer {
  const message = Buffer.alloc(Math.max(2, size), 0x61);
  message[0] = topic.charCodeAt(0);
  message[1] = kind;
  return message;
}
