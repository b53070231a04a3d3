/**
 * Constructor-parameter decorators for what the app provides.
 */
import { inject } from "inversify";
import type { ServiceDescriptor } from "@skein/codec";
import type { QueueDescriptor } from "../descriptors.js";
import { clientToken, PUBLISHER, queueToken, requestedClients, requestedQueues } from "../tokens.js";

/**
 * Injects a typed client (`ClientOf<typeof GreeterService>`) of another
 * service. Its endpoints come from `endpoints.clients[descriptor.name]` or
 * the environment (see the README). One client (one DEALER connection set)
 * per app and service, shared by all who inject it.
 *
 * @example
 * ```ts
 * constructor(@InjectClient(GreeterService) private greeter: ClientOf<typeof GreeterService>) {}
 * ```
 */
export function InjectClient(service: ServiceDescriptor): ParameterDecorator & PropertyDecorator {
  requestedClients.set(service.name, service);
  return inject(clientToken(service)) as ParameterDecorator & PropertyDecorator;
}

/** Injects the app's `EventPublisher` (its PUB socket). */
export function InjectPublisher(): ParameterDecorator & PropertyDecorator {
  return inject(PUBLISHER) as ParameterDecorator & PropertyDecorator;
}

/** Injects a `QueueProducer<T>` that pushes work items to `queue`. */
export function InjectQueue<T>(queue: QueueDescriptor<T>): ParameterDecorator & PropertyDecorator {
  requestedQueues.set(queue.queue, queue as QueueDescriptor<unknown>);
  return inject(queueToken(queue as QueueDescriptor<unknown>)) as ParameterDecorator & PropertyDecorator;
}
