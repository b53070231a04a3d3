/**
 * The order service: answers PlaceOrder, asks the greeter for a thank-you
 * note (a downstream call on the same trace), publishes OrderPlaced and
 * pushes a ProcessOrder work item to the workers. Each order is recorded on
 * the customer's account, a virtual actor (customer-account.ts).
 */
import {
  GreeterService,
  OrdersService,
  type OrdersServer,
  OrderStatus,
  type PlaceOrderRequest,
  type ProcessOrder,
} from "@skein/example-codegen";
import {
  type ClientOf,
  type EventPublisher,
  InjectClient,
  InjectPublisher,
  InjectQueue,
  type QueueProducer,
  ref,
  Rpc,
  RpcError,
  RpcStatus,
  Service,
} from "@skein/service";
import { OrderPlacedEvent, ProcessOrderQueue } from "./contracts.js";
import { CustomerAccount } from "./customer-account.js";

@Service(OrdersService)
export class Orders implements OrdersServer {
  #sequence = 0;

  constructor(
    @InjectClient(GreeterService) private readonly greeter: ClientOf<typeof GreeterService>,
    @InjectPublisher() private readonly events: EventPublisher,
    @InjectQueue(ProcessOrderQueue) private readonly work: QueueProducer<ProcessOrder>,
  ) {}

  @Rpc()
  async placeOrder(request: PlaceOrderRequest) {
    if (request.lines.length === 0) throw new RpcError(RpcStatus.INVALID_ARGUMENT, "an order needs at least one line");
    const orderId = `order-${++this.#sequence}`;
    const total = request.lines.reduce((sum, line) => sum + line.quantity * Number(line.unitPrice), 0);
    // The customer's account is a virtual actor on one of the accounts processes' threads.
    await ref(CustomerAccount, request.customerId).recordOrder(orderId, total);
    const note = await this.greeter.sayHello({ name: request.customerId }, { metadata: { from: "orders" }, timeout: 2_000 });
    await this.events.publish(OrderPlacedEvent, {
      orderId, customerId: request.customerId, total, currency: request.currency, placedAt: Date.now(),
    }, { metadata: { note: note.message } });
    await this.work.push({ orderId, lines: request.lines, attempt: 0 });
    return { orderId, status: OrderStatus.ORDER_STATUS_PLACED, total };
  }
}
