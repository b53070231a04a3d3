/**
 * Interceptors (middleware) around handlers. The chain of each handler is
 * built once at start-up; per message only the chain runs.
 *
 * Order, outermost first (documented in the README):
 * 1. the telemetry span and metrics of the call (always outermost),
 * 2. deadline and cancellation (the call's `signal`),
 * 3. app interceptors (`createApp({ interceptors })`) in array order,
 * 4. class interceptors (`@UseInterceptors` on the class) in order,
 * 5. method interceptors (`@UseInterceptors` on the method) in order,
 * 6. the handler.
 */
import type { CallContext } from "@skein/codec";

/** Context of every handled message: the codec's {@link CallContext} plus who sent it. */
export interface ServiceCallContext extends CallContext {
  /** What is handled: a request, an event or a work item. */
  readonly kind: "rpc" | "event" | "work";
  /**
   * ZAP user id of the peer (PLAIN user name, CURVE public key in Z85), when
   * the transport reports it; `undefined` over the NULL mechanism.
   */
  readonly userId: string | undefined;
}

/** One handled message, as interceptors see it. */
export interface Invocation {
  /** The call's context (service, method or topic, metadata, deadline, signal, user id). */
  readonly context: ServiceCallContext;
  /** The decoded request, event or work item. */
  readonly message: unknown;
  /** The service class's name for this handler (`GreeterImpl.sayHello`), for logs. */
  readonly handler: string;
}

/**
 * Wraps a handler: call `next()` to go on (and return or transform its
 * result), or throw (an `RpcError` for a typed error reply) to stop.
 *
 * @example
 * ```ts
 * const logging: Interceptor = async (invocation, next) => {
 *   const started = Date.now();
 *   try { return await next(); }
 *   finally { console.log(invocation.handler, Date.now() - started, "ms"); }
 * };
 * ```
 */
export type Interceptor = (invocation: Invocation, next: () => Promise<unknown>) => Promise<unknown>;

/**
 * Composes `interceptors` (outermost first) around `handler` into one function.
 * With no interceptors the handler itself is returned.
 */
export function composeInterceptors(
  interceptors: readonly Interceptor[],
  handler: (invocation: Invocation) => Promise<unknown>,
): (invocation: Invocation) => Promise<unknown> {
  if (interceptors.length === 0) return handler;
  const chain = [...interceptors];
  return (invocation) => {
    const step = (index: number): Promise<unknown> => {
      if (index === chain.length) return handler(invocation);
      let called = false;
      return chain[index]!(invocation, () => {
        if (called) return Promise.reject(new Error(`interceptor ${index} called next() twice`));
        called = true;
        return step(index + 1);
      });
    };
    return step(0);
  };
}
