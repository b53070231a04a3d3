/**
 * A worker of the order pipeline: consumes ProcessOrder work items (two at
 * a time per process) and announces each processed order as an event.
 */
import type { ProcessOrder } from "@skein/example-codegen";
import { Consume, type EventPublisher, InjectPublisher, Service } from "@skein/service";
import { OrderProcessedEvent, ProcessOrderQueue } from "./contracts.js";

@Service("example.OrderWorker")
export class OrderWorker {
  constructor(@InjectPublisher() private readonly events: EventPublisher) {}

  /** Resolving acknowledges the item; throwing would have it redelivered. */
  @Consume(ProcessOrderQueue, { concurrency: 2 })
  async process(item: ProcessOrder) {
    // The real work (reserve stock, charge, ship) would happen here. The line is written before the
    // acknowledgement (stdout to a pipe or file is synchronous): an item acknowledged was logged.
    console.log(`[worker] processed ${item.orderId}`);
    await this.events.publish(OrderProcessedEvent, { orderId: item.orderId, lines: item.lines, attempt: item.attempt + 1 });
  }
}
