/**
 * `@Subscribe`: an event handler (the SUB side of pub-sub).
 */
import type { EventDescriptor } from "../descriptors.js";
import { appendMetadata, MetadataKey, type SubscribeMetadata } from "../metadata.js";

/**
 * Handles every event published on `event.topic`, decoded with
 * `event.codec`. Delivery is at most once (ZeroMQ PUB/SUB drops what a slow
 * or not yet connected subscriber misses); a thrown error is logged to the
 * span and the error counter, and the event is not redelivered.
 *
 * @example
 * ```ts
 * @Subscribe(OrderPlacedEvent)
 * onOrderPlaced(event: OrderPlaced) { ... }
 * ```
 */
export function Subscribe<T>(event: EventDescriptor<T>): MethodDecorator {
  return (target, propertyKey) => {
    const entry: SubscribeMetadata = { propertyKey: String(propertyKey), event: event as EventDescriptor<unknown> };
    appendMetadata(MetadataKey.subscribe, target.constructor, entry);
  };
}
