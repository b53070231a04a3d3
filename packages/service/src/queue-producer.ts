/**
 * QueueProducer: typed work items into a work queue (`WorkQueue` of
 * `@skein/patterns`), each with a PRODUCER span whose context travels in
 * the item's codec header. A work item is an `event` envelope whose topic
 * is the queue name.
 */
import { encodeEnvelope, type MessageInit } from "@skein/codec";
import type { WorkQueue } from "@skein/patterns";
import type { QueueDescriptor } from "./descriptors.js";
import { endSpanWithError, type Telemetry, traceHeaderOf } from "./telemetry.js";

/** Options of one push. */
export interface PushOptions {
  /** Metadata sent in the item's header. */
  metadata?: Readonly<Record<string, string>>;
}

/**
 * Pushes work items to one queue (inject it with `@InjectQueue(descriptor)`).
 * Delivery is at least once: an item a worker fails (or whose worker dies)
 * is redelivered, up to the queue's attempt limit.
 */
export class QueueProducer<T> {
  readonly #queue: WorkQueue;
  readonly #descriptor: QueueDescriptor<T>;
  readonly #telemetry: Telemetry;

  /** @internal the app creates it */
  constructor(queue: WorkQueue, descriptor: QueueDescriptor<T>, telemetry: Telemetry) {
    this.#queue = queue;
    this.#descriptor = descriptor;
    this.#telemetry = telemetry;
  }

  /** The queue's name. */
  get name(): string {
    return this.#descriptor.queue;
  }

  /** Pushes one item; resolves once a worker with free capacity has been sent it. */
  async push(item: MessageInit<T>, options: PushOptions = {}): Promise<void> {
    const name = this.#descriptor.queue;
    const { span, context } = this.#telemetry.startProducerSpan("send", name);
    try {
      const frames = encodeEnvelope({
        kind: "event",
        topic: name,
        payloadType: this.#descriptor.codec.typeName,
        ...traceHeaderOf(context),
        ...(options.metadata ? { metadata: options.metadata } : {}),
        payload: [this.#descriptor.codec.encode(item)],
      });
      await this.#queue.push(name, frames);
      this.#telemetry.messages.add(1, { "messaging.operation.name": "send", "messaging.destination.name": name });
      span.end();
    } catch (error) {
      endSpanWithError(span, error);
      throw error;
    }
  }
}
