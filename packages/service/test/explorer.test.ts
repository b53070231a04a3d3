import "reflect-metadata";
import { decodeEnvelope, decodeErrorPayload, encodeEnvelope } from "@skein/codec";
import { GreeterService, HelloReply, HelloRequest, OrdersService } from "./generated/index.js";
import { describe, expect, test } from "vitest";
import {
  Ctx,
  Deadline,
  type Interceptor,
  Metadata,
  Payload,
  Rpc,
  RpcDispatcher,
  RpcError,
  RpcStatus,
  Service,
  ServiceSetupError,
  Signal,
  Telemetry,
  UseInterceptors,
  exploreService,
  type ServiceCallContext,
} from "../src/index.js";

const telemetry = new Telemetry();

function request(method: string, name: string, extra: { metadata?: Record<string, string>; deadline?: number } = {}): Buffer[] {
  return encodeEnvelope({
    kind: "request", service: GreeterService.name, method, correlationId: "c1", ...extra,
    payload: [HelloRequest.encode({ name, times: 3 })],
  });
}

function dispatcherFor(instance: object, interceptors: Interceptor[] = []): RpcDispatcher {
  const explored = exploreService(instance.constructor as never, () => instance, interceptors);
  return new RpcDispatcher([explored], telemetry);
}

describe("decorated handlers", () => {
  test("an @Rpc handler is called with the decoded typed request and its context", async () => {
    const seen: { request?: HelloRequest; context?: ServiceCallContext } = {};
    @Service(GreeterService)
    class Greeter {
      @Rpc()
      sayHello(request: HelloRequest, context: ServiceCallContext) {
        seen.request = request;
        seen.context = context;
        return { message: `Hello, ${request.name}!` };
      }
    }
    const reply = await dispatcherFor(new Greeter()).dispatch(request("SayHello", "Ada", { metadata: { tenant: "acme" } }));
    const envelope = decodeEnvelope(reply);
    expect(envelope.kind).toBe("reply");
    expect(envelope.correlationId).toBe("c1");
    expect(HelloReply.decode(envelope.payload[0]!).message).toBe("Hello, Ada!");
    expect(seen.request).toEqual({ name: "Ada", times: 3 });
    expect(seen.context).toMatchObject({ kind: "rpc", service: "example.Greeter", method: "SayHello", metadata: { tenant: "acme" } });
    expect(seen.context?.signal).toBeInstanceOf(AbortSignal);
  });

  test("a server-streaming handler's items arrive as stream-item envelopes then stream-end", async () => {
    @Service(GreeterService)
    class Greeter {
      @Rpc("SayHelloStream")
      async *stream(request: HelloRequest) {
        for (let index = 0; index < request.times; index++) yield { message: `Hi ${request.name}`, index };
      }
    }
    const frames = await dispatcherFor(new Greeter()).dispatch(request("SayHelloStream", "Bo"));
    const kinds = [];
    for (let i = 0; i < frames.length; i += 2) kinds.push(decodeEnvelope([frames[i]!]).kind);
    expect(kinds).toEqual(["stream-item", "stream-item", "stream-item", "stream-end"]);
    expect(HelloReply.decode(frames[5]!)).toEqual({ message: "Hi Bo", index: 2 });
  });

  test("parameter decorators pick the payload, metadata, deadline, signal and context", async () => {
    let args: unknown[] = [];
    @Service(GreeterService)
    class Greeter {
      @Rpc()
      sayHello(@Metadata("tenant") tenant: string, @Payload() request: HelloRequest, @Deadline() deadline: number,
        @Signal() signal: AbortSignal, @Ctx() context: ServiceCallContext, @Metadata() all: Record<string, string>) {
        args = [tenant, request, deadline, signal, context, all];
        return {};
      }
    }
    const deadline = Date.now() + 60_000;
    await dispatcherFor(new Greeter()).dispatch(request("SayHello", "Cy", { metadata: { tenant: "t1" }, deadline }));
    expect(args[0]).toBe("t1");
    expect(args[1]).toEqual({ name: "Cy", times: 3 });
    expect(args[2]).toBe(deadline);
    expect(args[3]).toBeInstanceOf(AbortSignal);
    expect((args[4] as ServiceCallContext).method).toBe("SayHello");
    expect(args[5]).toEqual({ tenant: "t1" });
  });

  test("an RpcError thrown by a handler becomes a typed error reply; anything else is INTERNAL", async () => {
    @Service(GreeterService)
    class Greeter {
      @Rpc() sayHello(request: HelloRequest) {
        if (request.name === "") throw new RpcError(RpcStatus.INVALID_ARGUMENT, "name is required");
        throw new TypeError("boom");
      }
    }
    const dispatcher = dispatcherFor(new Greeter());
    const typed = decodeEnvelope(await dispatcher.dispatch(request("SayHello", "")));
    expect(typed.kind).toBe("error");
    expect(decodeErrorPayload(typed.payload[0]!)).toMatchObject({ code: "INVALID_ARGUMENT", message: "name is required" });
    const internal = decodeEnvelope(await dispatcher.dispatch(request("SayHello", "x")));
    expect(decodeErrorPayload(internal.payload[0]!)).toMatchObject({ code: "INTERNAL", message: "boom" });
  });

  test("bad input yields typed errors: garbage frames, unknown methods, undecodable requests, passed deadlines", async () => {
    @Service(GreeterService)
    class Greeter { @Rpc() sayHello() { return {}; } }
    const dispatcher = dispatcherFor(new Greeter());
    const code = async (frames: Buffer[]) => decodeErrorPayload(decodeEnvelope(await dispatcher.dispatch(frames)).payload[0]!).code;
    expect(await code([Buffer.from([0xff, 0xff, 0xff])])).toBe("INVALID_ARGUMENT");
    expect(await code(request("SayHelloStream", "x"))).toBe("UNIMPLEMENTED");
    expect(await code(encodeEnvelope({ kind: "request", service: "example.Greeter", method: "SayHello", correlationId: "1", payload: [Buffer.from([0x0a, 0x05, 0x41])] }))).toBe("INVALID_ARGUMENT");
    expect(await code(request("SayHello", "x", { deadline: Date.now() - 1 }))).toBe("DEADLINE_EXCEEDED");
  });

  test("interceptors run app, class, method order around the handler and may short-circuit", async () => {
    const order: string[] = [];
    const tag = (name: string): Interceptor => async (_, next) => {
      order.push(`${name}:in`);
      const result = await next();
      order.push(`${name}:out`);
      return result;
    };
    const auth: Interceptor = async (invocation, next) => {
      if (invocation.context.metadata["token"] !== "secret") throw new RpcError(RpcStatus.UNAUTHENTICATED, "no token");
      return next();
    };
    @Service(GreeterService)
    @UseInterceptors(tag("class"))
    class Greeter {
      @Rpc() @UseInterceptors(tag("method"), auth)
      sayHello() { order.push("handler"); return { message: "ok" }; }
    }
    const dispatcher = dispatcherFor(new Greeter(), [tag("app1"), tag("app2")]);
    await dispatcher.dispatch(request("SayHello", "x", { metadata: { token: "secret" } }));
    expect(order).toEqual(["app1:in", "app2:in", "class:in", "method:in", "handler", "method:out", "class:out", "app2:out", "app1:out"]);
    const denied = decodeEnvelope(await dispatcher.dispatch(request("SayHello", "x")));
    expect(decodeErrorPayload(denied.payload[0]!).code).toBe("UNAUTHENTICATED");
  });

  test("@Rpc({ timeout }) bounds a call that came without a deadline", async () => {
    let aborted: unknown;
    @Service(GreeterService)
    class Slow {
      @Rpc({ timeout: 50 })
      sayHello(_: HelloRequest, context: ServiceCallContext) {
        return new Promise((resolve) => context.signal.addEventListener("abort", () => { aborted = context.signal.reason; resolve({}); }));
      }
    }
    const reply = decodeEnvelope(await dispatcherFor(new Slow()).dispatch(request("SayHello", "x")));
    expect(decodeErrorPayload(reply.payload[0]!).code).toBe("DEADLINE_EXCEEDED");
    expect(aborted).toMatchObject({ code: "DEADLINE_EXCEEDED" });
  });

  test("the explorer rejects decorators that do not fit the descriptor, at start-up", () => {
    @Service(GreeterService)
    class Wrong { @Rpc("SayGoodbye") bye() { return {}; } }
    expect(() => exploreService(Wrong, () => new Wrong(), [])).toThrow(ServiceSetupError);
    expect(() => exploreService(Wrong, () => new Wrong(), [])).toThrow(/no method "SayGoodbye"/);

    class NotAService { sayHello() { return {}; } }
    expect(() => exploreService(NotAService, () => new NotAService(), [])).toThrow(/@Service/);

    @Service("example.ByName")
    class ByName { @Rpc() placeOrder() { return {}; } }
    expect(() => exploreService(ByName, () => new ByName(), [])).toThrow(/declared by name/);
  });

  test("metadata is read once: the explorer's handlers keep working after the class's metadata is gone", async () => {
    @Service(OrdersService)
    class Orders { @Rpc() placeOrder() { return { orderId: "o-1" }; } }
    const dispatcher = dispatcherFor(new Orders());
    for (const key of Reflect.getMetadataKeys(Orders)) Reflect.deleteMetadata(key, Orders);
    const reply = decodeEnvelope(await dispatcher.dispatch(encodeEnvelope({
      kind: "request", service: "example.Orders", method: "PlaceOrder", correlationId: "1", payload: [Buffer.alloc(0)],
    })));
    expect(reply.kind).toBe("reply");
  });
});
