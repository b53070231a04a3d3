/**
 * `@Service`: marks a class as a skein service and makes it injectable.
 */
import { injectable } from "inversify";
import type { ServiceDescriptor } from "@skein/codec";
import { MetadataKey, type ServiceMetadata, type ServiceOptions } from "../metadata.js";

/**
 * Declares a service. Pass the generated descriptor (`GreeterService`) for a
 * service with `@Rpc` handlers, or a name for one that only subscribes to
 * events or consumes work. The class also becomes `@injectable()`, so its
 * constructor parameters are injected by inversify.
 *
 * @example
 * ```ts
 * @Service(GreeterService)
 * class Greeter implements GreeterServer {
 *   constructor(@inject(Clock) private clock: Clock) {}
 *   @Rpc() sayHello(request: HelloRequest) { return { message: `Hello, ${request.name}!` }; }
 * }
 * ```
 */
export function Service(service: ServiceDescriptor | string, options: ServiceOptions = {}): ClassDecorator {
  return (target) => {
    const metadata: ServiceMetadata = typeof service === "string"
      ? { descriptor: undefined, name: service, options }
      : { descriptor: service, name: service.name, options };
    Reflect.defineMetadata(MetadataKey.service, metadata, target);
    injectable()(target);
  };
}
