import type { CallContext } from "@skein/codec";
import { afterEach, describe, expect, it } from "vitest";
import { Actor, ActorBase, ActorErrorCode, ActorSystem, MemoryStorage } from "../../src/index.js";
import { GreeterService, OrdersService, type OrdersServer, OrderStatus, type PlaceOrderRequest } from "../generated/index.js";

/** An actor whose contract is the `.proto` service example.Orders: one per customer, numbering its orders. */
@Actor({ contract: OrdersService, idleTimeout: 0 })
class CustomerOrders extends ActorBase<{ placed: number; total: number }> implements OrdersServer {
  state = { placed: 0, total: 0 };
  placeOrder(request: PlaceOrderRequest, context: CallContext) {
    const total = request.lines.reduce((sum, line) => sum + line.quantity * Number(line.unitPrice), 0);
    this.state.placed++;
    this.state.total += total;
    return { orderId: `${request.customerId}-${this.state.placed}-${context.method}`, status: OrderStatus.ORDER_STATUS_PLACED, total: this.state.total };
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("actors with a .proto contract", () => {
  it("are called through a reference typed from the generated descriptor, in protobuf, on another member and locally", async () => {
    const owner = new ActorSystem({ id: "owner", actors: [CustomerOrders], storage: new MemoryStorage(), bind: "tcp://127.0.0.1:0" });
    await owner.start();
    cleanups.push(() => owner.close());
    const caller = new ActorSystem({ id: "caller", members: [owner.member], storage: new MemoryStorage() });
    await caller.start();
    cleanups.push(() => caller.close());
    await owner.setMembers([owner.member]);

    const request = { customerId: "ada", currency: "EUR", lines: [{ sku: "tea", quantity: 2, unitPrice: 350 }] };
    const remote = await caller.ref(OrdersService, "ada").placeOrder(request);
    expect(remote).toMatchObject({ orderId: "ada-1-PlaceOrder", status: OrderStatus.ORDER_STATUS_PLACED });
    expect(Number(remote.total)).toBe(700);
    const local = await owner.ref(OrdersService, "ada").placeOrder(request);
    expect(local.orderId).toBe("ada-2-PlaceOrder");
    expect(Number(local.total)).toBe(1400);
    expect(JSON.parse((await owner.storage.readState("example.Orders", "ada")).json)).toEqual({ placed: 2, total: 1400 });
  });

  it("refuses a class that does not implement its contract's unary methods, and a call of a streaming method", async () => {
    class Incomplete extends ActorBase {}
    Actor({ contract: GreeterService })(Incomplete);
    expect(() => new ActorSystem({ actors: [Incomplete], storage: new MemoryStorage() })).toThrow(/does not implement example\.Greeter\.SayHello/);
    const system = new ActorSystem({ actors: [CustomerOrders], storage: new MemoryStorage() });
    await system.start();
    cleanups.push(() => system.close());
    const reference = system.ref(GreeterService, "x") as unknown as { sayHelloStream(request: object): Promise<unknown> };
    await expect(reference.sayHelloStream({ name: "a" })).rejects.toMatchObject({ code: ActorErrorCode.NO_HANDLER });
  });
});
