/**
 * Inversify service identifiers of what the app provides: typed clients of
 * other services, the event publisher, queue producers. The `@Inject*`
 * decorators remember which descriptors were asked for, so the app binds
 * exactly those.
 */
import type { ServiceDescriptor } from "@skein/codec";
import type { QueueDescriptor } from "./descriptors.js";

/** Token of the typed client of the service named `name`. */
export function clientToken(service: ServiceDescriptor | string): symbol {
  return Symbol.for(`skein:client:${typeof service === "string" ? service : service.name}`);
}

/** Token of the app's {@link EventPublisher}. */
export const PUBLISHER = Symbol.for("skein:publisher");

/** Token of the producer of the work queue named `queue`. */
export function queueToken(queue: QueueDescriptor<unknown> | string): symbol {
  return Symbol.for(`skein:queue:${typeof queue === "string" ? queue : queue.queue}`);
}

/** Token of the running `App` itself. */
export const APP = Symbol.for("skein:app");

/** Descriptors of clients asked for with `@InjectClient`, by service name. */
export const requestedClients = new Map<string, ServiceDescriptor>();

/** Queues asked for with `@InjectQueue`, by name. */
export const requestedQueues = new Map<string, QueueDescriptor<unknown>>();
