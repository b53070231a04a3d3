/**
 * Typed names for events and work queues: a topic (or queue name) together
 * with the codec of its messages, so publishers, subscribers, producers and
 * workers agree on the type at compile time.
 */
import type { MessageCodec } from "@skein/codec";

/**
 * An event: a pub-sub topic and the type of its messages.
 * @typeParam T - the event message (a generated interface)
 */
export interface EventDescriptor<T> {
  /** The topic, e.g. `"orders.placed"` (the envelope's `topic`, and the ZeroMQ subscription prefix). */
  readonly topic: string;
  /** Codec of the event messages. */
  readonly codec: MessageCodec<T>;
}

/**
 * A work queue: a queue name and the type of its work items.
 * @typeParam T - the work item message
 */
export interface QueueDescriptor<T> {
  /** The queue name, e.g. `"orders.process"`. */
  readonly queue: string;
  /** Codec of the work items. */
  readonly codec: MessageCodec<T>;
}

/**
 * Names an event.
 * @example
 * ```ts
 * export const OrderPlacedEvent = defineEvent("orders.placed", OrderPlaced);
 * ```
 */
export function defineEvent<T>(topic: string, codec: MessageCodec<T>): EventDescriptor<T> {
  return Object.freeze({ topic, codec });
}

/**
 * Names a work queue.
 * @example
 * ```ts
 * export const ProcessOrderQueue = defineQueue("orders.process", ProcessOrder);
 * ```
 */
export function defineQueue<T>(queue: string, codec: MessageCodec<T>): QueueDescriptor<T> {
  return Object.freeze({ queue, codec });
}
