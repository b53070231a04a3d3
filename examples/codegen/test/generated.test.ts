import { type CallContext, decodeEnvelope, encodeEnvelope, type Envelope } from "@skein/codec";
import { describe, expect, it } from "vitest";
import {
  type GreeterServer,
  GreeterService,
  HelloReply,
  HelloRequest,
  OrderPlaced,
  OrderStatus,
  OrdersService,
  PlaceOrderRequest,
  ProcessOrder,
} from "../generated/index.js";

const greeter: GreeterServer = {
  sayHello(request) {
    return { message: `Hello, ${request.name}!` };
  },
  async *sayHelloStream(request) {
    for (let index = 0; index < Math.max(1, request.times); index++) yield { message: `Hello, ${request.name}!`, index };
  },
};

function contextOf(envelope: Envelope): CallContext {
  return {
    service: envelope.service!,
    method: envelope.method!,
    correlationId: envelope.correlationId!,
    deadline: envelope.deadline,
    metadata: envelope.metadata ?? {},
    traceparent: envelope.traceparent,
    tracestate: envelope.tracestate,
    signal: new AbortController().signal,
  };
}

describe("generated example code", () => {
  it("round-trips a HelloRequest through its generated codec", () => {
    const bytes = HelloRequest.encode({ name: "Ada", times: 3 });
    expect(HelloRequest.decode(bytes)).toMatchObject({ name: "Ada", times: 3 });
    expect(HelloRequest.typeName).toBe("example.HelloRequest");
  });

  it("round-trips an order request with repeated lines, a map and 64-bit prices", () => {
    const decoded = PlaceOrderRequest.decode(
      PlaceOrderRequest.encode({
        customerId: "c-42",
        currency: "EUR",
        lines: [{ sku: "tea", quantity: 2, unitPrice: 350 }, { sku: "cup", quantity: 1, unitPrice: 2 ** 40 }],
        labels: { channel: "web" },
      }),
    );
    expect(decoded.customerId).toBe("c-42");
    expect(decoded.lines.map((line) => line.sku)).toEqual(["tea", "cup"]);
    // int64 decodes as the bigint its generated type says, exactly.
    expect(decoded.lines[0]!.unitPrice).toBe(350n);
    expect(decoded.lines[1]!.unitPrice).toBe(2n ** 40n);
    expect({ ...decoded.labels }).toEqual({ channel: "web" });
  });

  it("describes services with their methods, codecs and streaming shape", () => {
    expect(GreeterService.name).toBe("example.Greeter");
    expect(GreeterService.methods.sayHello.requestCodec).toBe(HelloRequest);
    expect(GreeterService.methods.sayHelloStream.serverStreaming).toBe(true);
    expect(OrdersService.methods.placeOrder.name).toBe("PlaceOrder");
    expect(OrderStatus.ORDER_STATUS_PLACED).toBe(1);
  });

  it("serves a unary call from request envelope to reply envelope using only the descriptor", async () => {
    const requestFrames = encodeEnvelope({
      kind: "request",
      service: GreeterService.name,
      method: GreeterService.methods.sayHello.name,
      correlationId: "1",
      payload: [GreeterService.methods.sayHello.requestCodec.encode({ name: "Grace" })],
    });
    const request = decodeEnvelope(requestFrames);
    const method = GreeterService.methods.sayHello;
    const reply = await greeter.sayHello(method.requestCodec.decode(request.payload[0]!), contextOf(request));
    const replyFrames = encodeEnvelope({ kind: "reply", correlationId: request.correlationId!, payload: [method.responseCodec.encode(reply)] });
    const answer = decodeEnvelope(replyFrames);
    expect(answer.correlationId).toBe("1");
    expect(HelloReply.decode(answer.payload[0]!).message).toBe("Hello, Grace!");
  });

  it("streams server replies as stream-item envelopes closed by a stream-end", async () => {
    const method = GreeterService.methods.sayHelloStream;
    const frames: Buffer[][] = [];
    const request = HelloRequest.decode(HelloRequest.encode({ name: "Linus", times: 3 }));
    for await (const item of greeter.sayHelloStream(request, contextOf({ kind: "request", service: "s", method: "m", correlationId: "2", payload: [] }))) {
      frames.push(encodeEnvelope({ kind: "stream-item", correlationId: "2", payload: [method.responseCodec.encode(item)] }));
    }
    frames.push(encodeEnvelope({ kind: "stream-end", correlationId: "2", payload: [] }));
    const received = frames.map((message) => decodeEnvelope(message));
    expect(received.map((envelope) => envelope.kind)).toEqual(["stream-item", "stream-item", "stream-item", "stream-end"]);
    expect(received.slice(0, 3).map((envelope) => HelloReply.decode(envelope.payload[0]!).index)).toEqual([0, 1, 2]);
  });

  it("publishes an OrderPlaced event and a ProcessOrder work item", () => {
    const event = decodeEnvelope(
      encodeEnvelope({
        kind: "event",
        topic: "orders.placed",
        payloadType: OrderPlaced.typeName,
        payload: [OrderPlaced.encode({ orderId: "o-1", customerId: "c-1", total: 1050, currency: "EUR", placedAt: 1_700_000_000_000 })],
      }),
    );
    expect(event.payloadType).toBe("example.OrderPlaced");
    const placed = OrderPlaced.decode(event.payload[0]!);
    expect(placed.orderId).toBe("o-1");
    expect(Number(placed.placedAt)).toBe(1_700_000_000_000);
    const work = ProcessOrder.decode(ProcessOrder.encode({ orderId: "o-1", attempt: 2, lines: [{ sku: "tea", quantity: 1 }] }));
    expect(work.attempt).toBe(2);
    expect(work.lines[0]!.quantity).toBe(1);
  });
});
