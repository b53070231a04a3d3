/**
 * `@Consume`: a work item handler (the PULL side of a pipeline).
 */
import type { QueueDescriptor } from "../descriptors.js";
import { appendMetadata, type ConsumeMetadata, type ConsumeOptions, MetadataKey } from "../metadata.js";

/**
 * Handles work items of `queue`, at most `options.concurrency` at once in
 * this process (default 1). Acknowledgement: the item is acknowledged when
 * the handler resolves; when it throws, the item is negatively acknowledged
 * and the queue redelivers it (to this or another worker) up to its retry
 * limit: handlers must be idempotent. Each worker process takes only as many
 * items as its concurrency allows (credit-based flow), so a slow worker does
 * not hoard work.
 *
 * @example
 * ```ts
 * @Consume(ProcessOrderQueue, { concurrency: 4 })
 * async process(item: ProcessOrder) { ... }
 * ```
 */
export function Consume<T>(queue: QueueDescriptor<T>, options: ConsumeOptions = {}): MethodDecorator {
  return (target, propertyKey) => {
    const entry: ConsumeMetadata = {
      propertyKey: String(propertyKey),
      queue: queue as QueueDescriptor<unknown>,
      options,
    };
    appendMetadata(MetadataKey.consume, target.constructor, entry);
  };
}
