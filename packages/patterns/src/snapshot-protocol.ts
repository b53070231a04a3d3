/**
 * The snapshot pub-sub protocol (the zguide's "Clone" pattern, with per-topic
 * sequence numbers and a subscription token so no update can fall between
 * the snapshot and the live stream). Documented in docs/patterns.md.
 *
 * Live (PUB/XPUB → SUB): `[topic, sequence(u64), ...frames]`; the sequence
 * counts the updates of that topic, from 1.
 *
 * Snapshot (DEALER → ROUTER):
 */
import { Bytes } from "@skein/core";

/** Subscriber → publisher: `[S, token, ...prefixes]`: the last value of every topic under these prefixes. */
export const SNAPSHOT = 0x53; // "S"
/** Publisher → subscriber: `[K, topic, sequence(u64), ...frames]`: one topic's last value. */
export const KEY_VALUE = 0x4b; // "K"
/** Publisher → subscriber: `[E, count(u32)]`: end of the snapshot, `count` values sent. */
export const END = 0x45; // "E"

/**
 * Topic prefix of the subscription token. A subscriber subscribes to
 * `TOKEN_PREFIX + token` after its real subscriptions on the same
 * connection; the publisher (XPUB) serves the snapshot only once it has seen
 * that subscription, so every real subscription is already in effect and
 * every update after the snapshot reaches the subscriber live.
 */
export const TOKEN_PREFIX = "\u0000skein.snapshot.";

export const FRAME = {
  SNAPSHOT: Bytes.from([SNAPSHOT]),
  KEY_VALUE: Bytes.from([KEY_VALUE]),
  END: Bytes.from([END]),
} as const;
