/**
 * Services the tests run: a greeter (with an injected dependency) and an
 * order service that calls the greeter, publishes events and pushes work.
 */
import "reflect-metadata";
import { until as untilWithin } from "../../patterns/test/helpers.js";
export { eventLoopTurns, within } from "../../patterns/test/helpers.js";
import {
  GreeterService,
  type HelloRequest,
  OrderPlaced,
  OrdersService,
  OrderStatus,
  type PlaceOrderRequest,
  ProcessOrder,
} from "./generated/index.js";
import { inject } from "inversify";
import {
  type ClientOf,
  defineEvent,
  defineQueue,
  type EventPublisher,
  InjectClient,
  InjectPublisher,
  InjectQueue,
  type QueueProducer,
  Rpc,
  RpcError,
  RpcStatus,
  Service,
  type ServiceCallContext,
} from "../src/index.js";

export const OrderPlacedEvent = defineEvent("orders.placed", OrderPlaced);
export const ProcessOrderQueue = defineQueue("orders.process", ProcessOrder);

/** A dependency of the app's own, injected by token. */
export const GREETING = Symbol("greeting");

/** Hooks a test sets to steer the greeter. */
export interface GreeterHooks {
  onCall?: (request: HelloRequest, context: ServiceCallContext) => Promise<void> | void;
  /** Awaited before each item of sayHelloStream is yielded. */
  beforeStreamItem?: (index: number) => Promise<void> | void;
}
export const HOOKS = Symbol("hooks");

@Service(GreeterService)
export class Greeter {
  constructor(@inject(GREETING) private readonly greeting: string, @inject(HOOKS) private readonly hooks: GreeterHooks) {}

  @Rpc()
  async sayHello(request: HelloRequest, context: ServiceCallContext) {
    await this.hooks.onCall?.(request, context);
    if (request.name === "nobody") throw new RpcError(RpcStatus.NOT_FOUND, "no such person");
    if (request.name === "crash") throw new Error("the greeter fell over");
    return { message: `${this.greeting}, ${request.name}!` };
  }

  @Rpc()
  async *sayHelloStream(request: HelloRequest) {
    for (let index = 0; index < Math.max(1, request.times); index++) {
      await this.hooks.beforeStreamItem?.(index);
      yield { message: `${this.greeting} #${index}, ${request.name}`, index };
    }
  }
}

@Service(OrdersService)
export class Orders {
  #next = 0;
  /** Greetings the greeter wrote for placed orders. */
  readonly confirmations: string[] = [];
  constructor(
    @InjectClient(GreeterService) private readonly greeter: ClientOf<typeof GreeterService>,
    @InjectPublisher() private readonly events: EventPublisher,
    @InjectQueue(ProcessOrderQueue) private readonly work: QueueProducer<ProcessOrder>,
  ) {}

  @Rpc()
  async placeOrder(request: PlaceOrderRequest) {
    const orderId = `o-${++this.#next}`;
    const total = request.lines.reduce((sum, line) => sum + line.quantity * Number(line.unitPrice), 0);
    // A downstream call: the greeter writes the confirmation.
    const { message } = await this.greeter.sayHello({ name: request.customerId });
    this.confirmations.push(message);
    await this.events.publish(OrderPlacedEvent, { orderId, customerId: request.customerId, total, currency: request.currency, placedAt: Date.now() });
    await this.work.push({ orderId, lines: request.lines });
    return { orderId, status: OrderStatus.ORDER_STATUS_PLACED, total };
  }
}

/** Resolves when `predicate` holds; rejects after `timeoutMs` (10 s here: apps start several sockets) naming what it waited for. */
export function until(predicate: () => boolean, what = "condition", timeoutMs = 10_000): Promise<void> {
  return untilWithin(predicate, what, timeoutMs);
}

/** A promise and its resolver. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export const LOOPBACK = "tcp://127.0.0.1:0";
