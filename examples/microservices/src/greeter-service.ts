/**
 * The greeter: a plain request-reply service with one unary and one
 * server-streaming method, and a dependency of its own (the greeting).
 */
import { GreeterService, type GreeterServer, type HelloRequest } from "@skein/example-codegen";
import { Rpc, RpcError, RpcStatus, Service, type ServiceCallContext } from "@skein/service";
import { inject } from "inversify";

/** Token of the greeting word, bound by the process that runs the service. */
export const GREETING = Symbol("greeting");

@Service(GreeterService)
export class Greeter implements GreeterServer {
  constructor(@inject(GREETING) private readonly greeting: string) {}

  @Rpc()
  sayHello(request: HelloRequest, context: ServiceCallContext) {
    if (request.name.trim() === "") throw new RpcError(RpcStatus.INVALID_ARGUMENT, "name is required");
    const from = context.metadata["from"] ? ` (asked by ${context.metadata["from"]})` : "";
    return { message: `${this.greeting}, ${request.name}!${from}` };
  }

  @Rpc()
  async *sayHelloStream(request: HelloRequest) {
    for (let index = 0; index < Math.max(1, request.times); index++) {
      yield { message: `${this.greeting} #${index + 1}, ${request.name}`, index };
    }
  }
}
