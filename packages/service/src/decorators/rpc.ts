/**
 * `@Rpc`: a request-reply handler.
 */
import { appendMetadata, MetadataKey, type RpcMetadata, type RpcOptions } from "../metadata.js";

/**
 * Marks a method as the handler of one method of the service's descriptor.
 * The method receives the decoded request and a `ServiceCallContext`
 * (unless parameter decorators say otherwise) and returns the reply (or an
 * `AsyncIterable` of replies for a server-streaming method). Implement the
 * generated `XServer` interface to have both typed.
 *
 * @param method - descriptor key (`"sayHello"`) or declared name
 * (`"SayHello"`); defaults to the decorated method's name. Or pass the
 * options alone: `@Rpc({ timeout: 1000 })`.
 */
export function Rpc(method?: string | RpcOptions, options: RpcOptions = {}): MethodDecorator {
  return (target, propertyKey) => {
    const key = String(propertyKey);
    const name = typeof method === "string" ? method : key;
    const resolved = typeof method === "object" ? method : options;
    const entry: RpcMetadata = { propertyKey: key, method: name, options: resolved };
    appendMetadata(MetadataKey.rpc, target.constructor, entry);
  };
}

/** Alias of {@link Rpc}, for those who call handlers methods. */
export const Method = Rpc;
