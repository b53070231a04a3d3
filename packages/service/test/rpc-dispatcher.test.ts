import "reflect-metadata";
import { decodeEnvelope, decodeErrorPayload, encodeEnvelope } from "@skein/codec";
import { GreeterService, HelloReply, HelloRequest } from "./generated/index.js";
import { describe, expect, test } from "vitest";
import { Rpc, RpcDispatcher, RpcError, RpcStatus, Service, Telemetry, exploreService, type ServiceCallContext } from "../src/index.js";

function request(name: string, correlationId: string, deadline?: number): Buffer[] {
  return encodeEnvelope({
    kind: "request", service: GreeterService.name, method: "SayHello", correlationId,
    ...(deadline === undefined ? {} : { deadline }),
    payload: [HelloRequest.encode({ name })],
  });
}

function cancel(correlationId: string): Buffer[] {
  return encodeEnvelope({ kind: "cancel", correlationId, payload: [] });
}

function dispatcherFor(instance: object): RpcDispatcher {
  return new RpcDispatcher([exploreService(instance.constructor as never, () => instance, [])], new Telemetry());
}

/** Timers holding the event loop now (a handler's deadline, while it runs). */
function timersHeld(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
}

describe("RpcDispatcher's call paths", () => {
  test("a unary handler that returns a value is answered in the same turn: handle() gives the reply frames, not a promise", () => {
    @Service(GreeterService)
    class Greeter {
      @Rpc()
      sayHello(request: HelloRequest) {
        return { message: `Hello, ${request.name}!` };
      }
    }
    const before = timersHeld();
    const reply = dispatcherFor(new Greeter()).handle(request("Ada", "sync-1", Date.now() + 30_000));
    expect(Array.isArray(reply)).toBe(true);
    const envelope = decodeEnvelope(reply as Buffer[]);
    expect(envelope).toMatchObject({ kind: "reply", correlationId: "sync-1" });
    expect(HelloReply.decode(envelope.payload[0]!).message).toBe("Hello, Ada!");
    // Nothing was left to watch: no deadline timer for a call that is over.
    expect(timersHeld()).toBe(before);
  });

  test("a synchronous handler that throws gets its typed error reply in the same turn", () => {
    @Service(GreeterService)
    class Refusing {
      @Rpc()
      sayHello() {
        throw new RpcError(RpcStatus.PERMISSION_DENIED, "not you");
      }
    }
    const reply = dispatcherFor(new Refusing()).handle(request("Ada", "sync-2"));
    expect(Array.isArray(reply)).toBe(true);
    const envelope = decodeEnvelope(reply as Buffer[]);
    expect(envelope.kind).toBe("error");
    expect(decodeErrorPayload(envelope.payload[0]!)).toMatchObject({ code: "PERMISSION_DENIED", message: "not you" });
  });

  test("a handler that returns a promise holds its deadline only while it runs, and is aborted at it", async () => {
    let release: (() => void) | null = null;
    let aborted: unknown;
    @Service(GreeterService)
    class Waiting {
      @Rpc()
      sayHello(request: HelloRequest, context: ServiceCallContext) {
        if (request.name === "forever") {
          return new Promise((resolve) => context.signal.addEventListener("abort", () => { aborted = context.signal.reason; resolve({}); }));
        }
        return new Promise((resolve) => (release = () => resolve({ message: "released" })));
      }
    }
    const dispatcher = dispatcherFor(new Waiting());
    const before = timersHeld();
    const inTime = dispatcher.handle(request("soon", "async-1", Date.now() + 30_000));
    expect(Array.isArray(inTime)).toBe(false);
    expect(dispatcher.inFlight).toBe(1);
    expect(timersHeld()).toBe(before + 1);
    release!();
    const replied = decodeEnvelope(await inTime);
    expect(HelloReply.decode(replied.payload[0]!).message).toBe("released");
    expect(dispatcher.inFlight).toBe(0);
    // The call ended in time: its deadline no longer holds the process.
    expect(timersHeld()).toBe(before);

    const late = decodeEnvelope(await dispatcher.handle(request("forever", "async-2", Date.now() + 30)));
    expect(decodeErrorPayload(late.payload[0]!).code).toBe("DEADLINE_EXCEEDED");
    expect(aborted).toMatchObject({ code: "DEADLINE_EXCEEDED" });
    // At most: another timer of the process (not the dispatcher's) may have ended meanwhile.
    expect(timersHeld()).toBeLessThanOrEqual(before);
  });

  test("a cancel by correlation id reaches a handler that returned a promise", async () => {
    let aborted: unknown;
    @Service(GreeterService)
    class Waiting {
      @Rpc()
      sayHello(_: HelloRequest, context: ServiceCallContext) {
        return new Promise((resolve) => context.signal.addEventListener("abort", () => { aborted = context.signal.reason; resolve({}); }));
      }
    }
    const dispatcher = dispatcherFor(new Waiting());
    const call = dispatcher.handle(request("Ada", "to-cancel", Date.now() + 30_000));
    expect(decodeEnvelope(await dispatcher.handle(cancel("to-cancel"))).kind).toBe("reply");
    const reply = decodeEnvelope(await call);
    expect(decodeErrorPayload(reply.payload[0]!).code).toBe("CANCELLED");
    expect(aborted).toMatchObject({ code: "CANCELLED" });
  });
});
