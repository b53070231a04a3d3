/**
 * What the decorators write on a class, and the keys they write it under.
 * Written once when a class is defined; read once at start-up by the
 * explorer (explorer.ts), never while handling a message.
 */
import type { ServiceDescriptor } from "@skein/codec";
import type { EventDescriptor, QueueDescriptor } from "./descriptors.js";
import type { Interceptor } from "./interceptor.js";

/** Metadata keys (module-private symbols, so nothing else collides with them). */
export const MetadataKey = {
  service: Symbol("skein:service"),
  rpc: Symbol("skein:rpc"),
  subscribe: Symbol("skein:subscribe"),
  consume: Symbol("skein:consume"),
  params: Symbol("skein:params"),
  interceptors: Symbol("skein:interceptors"),
} as const;

/** Options of `@Service`. */
export interface ServiceOptions {
  /**
   * Inversify scope of the service class: `"Singleton"` (default: one
   * instance serves every call), `"Transient"` (a new instance per call) or
   * `"Request"` (one instance per resolution graph, i.e. per call here).
   */
  scope?: "Singleton" | "Transient" | "Request";
}

/** Written by `@Service` on the class. */
export interface ServiceMetadata {
  /** The service descriptor, or only its name for a service with no `@Rpc` methods. */
  readonly descriptor: ServiceDescriptor | undefined;
  readonly name: string;
  readonly options: ServiceOptions;
}

/** Options of `@Rpc`. */
export interface RpcOptions {
  /** Milliseconds a call may run when the caller set no deadline. */
  timeout?: number;
}

/** Written by `@Rpc` for each handler method. */
export interface RpcMetadata {
  /** The class's method name. */
  readonly propertyKey: string;
  /** The descriptor's method key (`sayHello`) or declared name (`SayHello`); defaults to `propertyKey`. */
  readonly method: string;
  readonly options: RpcOptions;
}

/** Written by `@Subscribe` for each event handler. */
export interface SubscribeMetadata {
  readonly propertyKey: string;
  readonly event: EventDescriptor<unknown>;
}

/** Options of `@Consume`. */
export interface ConsumeOptions {
  /** How many work items this process handles at once (default 1). */
  concurrency?: number;
}

/** Written by `@Consume` for each work item handler. */
export interface ConsumeMetadata {
  readonly propertyKey: string;
  readonly queue: QueueDescriptor<unknown>;
  readonly options: ConsumeOptions;
}

/** What a decorated handler parameter receives. */
export type ParamSource =
  | { readonly kind: "payload" }
  | { readonly kind: "context" }
  | { readonly kind: "metadata"; readonly key: string | undefined }
  | { readonly kind: "deadline" }
  | { readonly kind: "signal" }
  | { readonly kind: "userId" };

/** Written by the parameter decorators: parameter index to source, per method. */
export type ParamMetadata = ReadonlyMap<number, ParamSource>;

/** Adds `entry` to the list stored under `key` on `target` (a class). */
export function appendMetadata<T>(key: symbol, target: object, entry: T): void {
  const list = (Reflect.getOwnMetadata(key, target) as T[] | undefined) ?? [];
  Reflect.defineMetadata(key, [...list, entry], target);
}

/** The list stored under `key` on `target`, including inherited entries. */
export function readList<T>(key: symbol, target: object): readonly T[] {
  return (Reflect.getMetadata(key, target) as T[] | undefined) ?? [];
}

/** Interceptors registered with `@UseInterceptors` on a class or one of its methods. */
export function readInterceptors(target: object, propertyKey?: string): readonly Interceptor[] {
  const value = propertyKey === undefined
    ? Reflect.getOwnMetadata(MetadataKey.interceptors, target)
    : Reflect.getOwnMetadata(MetadataKey.interceptors, target, propertyKey);
  return (value as Interceptor[] | undefined) ?? [];
}
