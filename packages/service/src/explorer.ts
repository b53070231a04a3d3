/**
 * The explorer: reads what the decorators wrote on each service class, once,
 * at start-up, and turns it into ready-to-call handlers (arguments resolved,
 * interceptors composed). Nothing here runs per message but the functions it
 * returns.
 */
import type { MethodDescriptor, ServiceDescriptor } from "@skein/codec";
import { ServiceSetupError, ServiceSetupErrorCode } from "./errors.js";
import { composeInterceptors, type Interceptor, type Invocation, type ServiceCallContext } from "./interceptor.js";
import {
  type ConsumeMetadata,
  type ConsumeOptions,
  MetadataKey,
  type ParamMetadata,
  type ParamSource,
  readInterceptors,
  readList,
  type RpcMetadata,
  type ServiceMetadata,
  type SubscribeMetadata,
} from "./metadata.js";
import type { EventDescriptor, QueueDescriptor } from "./descriptors.js";

/**
 * A handler ready to call: decoded message and context in, result out,
 * interceptors included. The result is the method's own: a value when it
 * returns one synchronously (and has no interceptors), else a promise; a
 * synchronous throw is thrown. Callers that `await` it see no difference;
 * the dispatcher answers a synchronous result in the same turn.
 */
export type BoundHandler = (message: unknown, context: ServiceCallContext) => unknown;

/** One `@Rpc` handler. */
export interface ExploredRpc {
  /** The method of the service descriptor it implements. */
  readonly method: MethodDescriptor<unknown, unknown>;
  /** Its `@Rpc({ timeout })`, ms, if set. */
  readonly timeout: number | undefined;
  /** Calls the handler on the service instance. */
  readonly handle: BoundHandler;
}

/** One `@Subscribe` handler. */
export interface ExploredSubscription {
  /** The event it subscribes to. */
  readonly event: EventDescriptor<unknown>;
  /** Calls the handler on the service instance. */
  readonly handle: BoundHandler;
}

/** One `@Consume` handler. */
export interface ExploredConsumer {
  /** The work queue it consumes. */
  readonly queue: QueueDescriptor<unknown>;
  /** Its `@Consume` options. */
  readonly options: ConsumeOptions;
  /** Calls the handler on the service instance. */
  readonly handle: BoundHandler;
}

/** Everything one service class declares. */
export interface ExploredService {
  /** The service name (`example.Greeter`). */
  readonly name: string;
  /** The descriptor given to `@Service`, if any (none for a service with only subscriptions or consumers). */
  readonly descriptor: ServiceDescriptor | undefined;
  /** `@Rpc` handlers by declared method name (`SayHello`). */
  readonly rpc: ReadonlyMap<string, ExploredRpc>;
  /** `@Subscribe` handlers. */
  readonly subscriptions: readonly ExploredSubscription[];
  /** `@Consume` handlers. */
  readonly consumers: readonly ExploredConsumer[];
}

/** A service class (any constructor the container can build). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServiceClass = abstract new (...args: any[]) => object;

/**
 * Reads the decorators of `serviceClass`.
 * @param instanceOf - returns the instance to call (the singleton, or a fresh one per call for other scopes)
 * @param appInterceptors - interceptors of the whole app, outermost
 * @throws {@link ServiceSetupError} when a decorator does not fit the descriptor
 */
export function exploreService(
  serviceClass: ServiceClass,
  instanceOf: () => object,
  appInterceptors: readonly Interceptor[],
): ExploredService {
  const metadata = Reflect.getOwnMetadata(MetadataKey.service, serviceClass) as ServiceMetadata | undefined;
  if (metadata === undefined) {
    throw new ServiceSetupError(
      ServiceSetupErrorCode.INVALID_DECORATOR,
      `${serviceClass.name} is not a service: decorate it with @Service(descriptor or name)`,
    );
  }
  const classInterceptors = readInterceptors(serviceClass);
  const bind = (propertyKey: string): BoundHandler => {
    const prototype = serviceClass.prototype as Record<string, unknown>;
    if (typeof prototype[propertyKey] !== "function") {
      throw new ServiceSetupError(ServiceSetupErrorCode.INVALID_DECORATOR, `${serviceClass.name}.${propertyKey} is not a method`);
    }
    const params = Reflect.getOwnMetadata(MetadataKey.params, prototype, propertyKey) as ParamMetadata | undefined;
    const name = `${serviceClass.name}.${propertyKey}`;
    // No parameter decorators: the method takes (message, context) as they come, no argument array per call.
    const invoke: BoundHandler = params === undefined || params.size === 0
      ? (message, context) => (instanceOf() as Record<string, (...args: unknown[]) => unknown>)[propertyKey]!(message, context)
      : invokeWith(argumentsBuilder(params), instanceOf, propertyKey);
    const interceptors = [...appInterceptors, ...classInterceptors, ...readInterceptors(serviceClass, propertyKey)];
    if (interceptors.length === 0) return invoke;
    const call = (invocation: Invocation): Promise<unknown> => {
      try {
        return Promise.resolve(invoke(invocation.message, invocation.context));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const chain = composeInterceptors(interceptors, call);
    return (message, context) => chain({ message, context, handler: name });
  };

  const rpc = new Map<string, ExploredRpc>();
  for (const entry of readList<RpcMetadata>(MetadataKey.rpc, serviceClass)) {
    const method = findMethod(serviceClass, metadata, entry);
    if (rpc.has(method.name)) {
      throw new ServiceSetupError(ServiceSetupErrorCode.INVALID_DECORATOR, `${metadata.name}/${method.name} has two @Rpc handlers`);
    }
    rpc.set(method.name, { method, timeout: entry.options.timeout, handle: bind(entry.propertyKey) });
  }
  const subscriptions = readList<SubscribeMetadata>(MetadataKey.subscribe, serviceClass)
    .map((entry) => ({ event: entry.event, handle: bind(entry.propertyKey) }));
  const consumers = readList<ConsumeMetadata>(MetadataKey.consume, serviceClass).map((entry) => {
    const concurrency = entry.options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new ServiceSetupError(
        ServiceSetupErrorCode.INVALID_DECORATOR,
        `@Consume(${entry.queue.queue}) on ${serviceClass.name}.${entry.propertyKey}: concurrency must be a positive integer, got ${concurrency}`,
      );
    }
    return { queue: entry.queue, options: { concurrency }, handle: bind(entry.propertyKey) };
  });
  return { name: metadata.name, descriptor: metadata.descriptor, rpc, subscriptions, consumers };
}

function findMethod(serviceClass: ServiceClass, metadata: ServiceMetadata, entry: RpcMetadata): MethodDescriptor<unknown, unknown> {
  const where = `@Rpc on ${serviceClass.name}.${entry.propertyKey}`;
  if (metadata.descriptor === undefined) {
    throw new ServiceSetupError(
      ServiceSetupErrorCode.INVALID_DECORATOR,
      `${where}: the service was declared by name; pass the generated descriptor to @Service to have @Rpc methods`,
    );
  }
  const methods = metadata.descriptor.methods;
  const method = methods[entry.method] ?? Object.values(methods).find((candidate) => candidate.name === entry.method);
  if (method === undefined) {
    throw new ServiceSetupError(
      ServiceSetupErrorCode.INVALID_DECORATOR,
      `${where}: ${metadata.name} has no method "${entry.method}" (it has ${Object.keys(methods).join(", ")})`,
    );
  }
  return method;
}

function invokeWith(buildArgs: (message: unknown, context: ServiceCallContext) => unknown[], instanceOf: () => object, propertyKey: string): BoundHandler {
  return (message, context) => (instanceOf() as Record<string, (...args: unknown[]) => unknown>)[propertyKey]!(...buildArgs(message, context));
}

function argumentsBuilder(params: ParamMetadata | undefined): (message: unknown, context: ServiceCallContext) => unknown[] {
  if (params === undefined || params.size === 0) return (message, context) => [message, context];
  const length = Math.max(...params.keys()) + 1;
  const sources: (ParamSource | undefined)[] = Array.from({ length }, (_, index) => params.get(index));
  return (message, context) => sources.map((source) => resolveParam(source, message, context));
}

function resolveParam(source: ParamSource | undefined, message: unknown, context: ServiceCallContext): unknown {
  switch (source?.kind) {
    case undefined:
    case "payload":
      return message;
    case "context":
      return context;
    case "metadata":
      return source.key === undefined ? context.metadata : context.metadata[source.key];
    case "deadline":
      return context.deadline;
    case "signal":
      return context.signal;
    case "userId":
      return context.userId;
  }
}
