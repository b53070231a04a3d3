/**
 * EventPublisher: typed events out of the app's PUB socket, each with a
 * PRODUCER span whose context travels in the event's codec header.
 */
import { encodeEnvelope, type MessageInit } from "@skein/codec";
import type { TopicPublisher } from "@skein/patterns";
import type { EventDescriptor } from "./descriptors.js";
import { endSpanWithError, type Telemetry, traceHeaderOf } from "./telemetry.js";

/** Options of one publish. */
export interface PublishOptions {
  /** Metadata sent in the event's header. */
  metadata?: Readonly<Record<string, string>>;
}

/**
 * Publishes events (inject it with `@InjectPublisher()`). Delivery is
 * pub-sub: at most once, to every subscriber connected at the time.
 *
 * @example
 * ```ts
 * await this.events.publish(OrderPlacedEvent, { orderId, total });
 * ```
 */
export class EventPublisher {
  readonly #publisher: TopicPublisher;
  readonly #telemetry: Telemetry;

  /** @internal the app creates it */
  constructor(publisher: TopicPublisher, telemetry: Telemetry) {
    this.#publisher = publisher;
    this.#telemetry = telemetry;
  }

  /** Encodes `event` with `descriptor.codec` and publishes it on `descriptor.topic`. */
  async publish<T>(descriptor: EventDescriptor<T>, event: MessageInit<T>, options: PublishOptions = {}): Promise<void> {
    const { span, context } = this.#telemetry.startProducerSpan("publish", descriptor.topic);
    try {
      const payload = descriptor.codec.encode(event);
      span.setAttribute("messaging.message.body.size", payload.length);
      const frames = encodeEnvelope({
        kind: "event",
        topic: descriptor.topic,
        payloadType: descriptor.codec.typeName,
        ...traceHeaderOf(context),
        ...(options.metadata ? { metadata: options.metadata } : {}),
        payload: [payload],
      });
      await this.#publisher.publish(descriptor.topic, frames);
      this.#telemetry.messages.add(1, { "messaging.operation.name": "publish", "messaging.destination.name": descriptor.topic });
      span.end();
    } catch (error) {
      endSpanWithError(span, error);
      throw error;
    }
  }
}
