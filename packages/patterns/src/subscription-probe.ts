/**
 * The subscription probe: how a {@link TopicSubscriber} learns that its
 * publishers have applied its subscriptions, not merely been sent them.
 *
 * A SUB's subscriptions reach a publisher in order on each connection, and
 * XPUB applies each one to its subscription trie before handing it to the
 * application (RFC 29). So the subscriber subscribes to a topic of its own,
 * {@link PROBE_PREFIX} + a random nonce; a {@link TopicPublisher} seeing a
 * subscription with that prefix publishes one reply on exactly that topic.
 * The reply can only reach the subscriber once the probe, and so every
 * subscription sent before it on that connection, is applied.
 *
 * Wire: subscription `\x01` + probe topic; reply `[probeTopic, replyId(16)]`,
 * where `replyId` is unique per reply (8 random octets of the publisher, an
 * 8-octet counter), so a subscriber counts the connections that answered
 * even when one reply reaches it over several of them.
 */
import { Bytes } from "@skein/core";
import { randomBytes } from "./util/runtime.js";

/** Topics starting with this are probes, never application messages. */
export const PROBE_PREFIX = "\u0000skein.probe.";
const PROBE_PREFIX_BYTES = Bytes.from(PROBE_PREFIX, "latin1");

/** A fresh probe topic (prefix + 16 random hex digits). */
export function newProbeTopic(): string {
  return PROBE_PREFIX + randomBytes(8).toString("hex");
}

/** True when `topic` (a first frame, or a subscription's prefix) is a probe. */
export function isProbeTopic(topic: Buffer): boolean {
  return topic.length > PROBE_PREFIX_BYTES.length && topic.subarray(0, PROBE_PREFIX_BYTES.length).equals(PROBE_PREFIX_BYTES);
}

/** Makes the reply ids of one publisher: its random octets then a counter. */
export class ProbeReplies {
  readonly #origin = randomBytes(8);
  #sequence = 0;

  /** The reply to a probe subscription on `topic`. */
  reply(topic: Buffer): Buffer[] {
    const id = Bytes.allocUnsafe(16);
    this.#origin.copy(id, 0);
    id.writeBigUInt64BE(BigInt(++this.#sequence), 8);
    return [Bytes.from(topic), id];
  }
}
