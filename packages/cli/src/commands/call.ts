/**
 * `skein call`: calls a method of a `@skein/service` service from a shell,
 * with no `.proto`: the types come from the service's `skein.Health/Describe`
 * (its `schemas`, see reflection.ts of `@skein/service`).
 */
import type { MethodDescriptor, ServiceDescriptor, TypeRegistry } from "@skein/codec";
import type { DescribeReply } from "@skein/service";
import { integerOption, parseArgs } from "../args.js";
import { Deadline } from "../deadline.js";
import { ExitCode, RemoteError, TimeoutError, UnavailableError, UsageError } from "../exit-code.js";
import type { Output } from "../output.js";
import { messageFromJson, messageToJson } from "../json-message.js";
import type { Command } from "./command.js";

const DEFAULT_TIMEOUT = 5_000;
/** `RpcStatus.UNIMPLEMENTED`: what the service itself answers for a method it lacks. */
const UNIMPLEMENTED = "UNIMPLEMENTED";

export const call: Command = {
  name: "call",
  summary: "call a method of a @skein/service service with a JSON request (no .proto needed)",
  usage: `usage: skein call <endpoint> <Service.Method> ['<json>'] [--timeout MS] [--metadata KEY=VALUE]...
  Asks the service for its types (skein.Health/Describe), encodes the JSON request (default {}),
  and prints the reply as JSON; a server-streaming method prints one JSON line per reply as they come.
  Field names as in the .proto or in lowerCamelCase; 64-bit integers as strings, bytes as base64,
  enums by name. An error reply prints "<CODE>: <message>" on stderr and exits 4; no server to take
  the call (none connected before the deadline, or one shutting down) prints UNAVAILABLE and exits 5.
  --timeout MS      bound the whole command, Describe included (default ${DEFAULT_TIMEOUT}); exit 3 when it runs out
  --metadata K=V    metadata sent with the call (repeatable)
  --list            print the services and methods the app serves instead of calling (no method needed)
example:
  skein call tcp://127.0.0.1:5701 example.Greeter.SayHello '{"name":"Ada"}'`,

  async run(argv, io) {
    // Loaded here, not at start-up: the service stack is the heaviest import, and only `call` needs it.
    const [service, codec] = await Promise.all([import("@skein/service"), import("@skein/codec")]);
    const { connect } = service;
    const args = parseArgs(argv, ["timeout", "metadata"], ["list"]);
    const [endpoint, target, json = "{}", extra] = args.positionals;
    if (endpoint === undefined) throw new UsageError("an endpoint is required");
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" (the request is one JSON argument: quote it)`);
    const metadata = parseMetadata(args.options.get("metadata") ?? []);
    const deadline = new Deadline(integerOption(args, "timeout", DEFAULT_TIMEOUT));
    const description = await describe(service, endpoint, deadline);
    if (args.flags.has("list")) {
      printServices(description, io);
      return ExitCode.OK;
    }
    if (target === undefined) throw new UsageError("a method is required, as Service.Method (e.g. example.Greeter.SayHello)");
    const method = findMethod(description, target);
    const registry = registryOf(codec.TypeRegistry, description, [method.requestType, method.responseType]);
    const request = messageFromJson(registry.lookup(method.requestType), parseJson(json)) as Record<string, never>;
    const descriptor = {
      name: method.service,
      methods: { call: { ...method, requestCodec: registry.codec(method.requestType), responseCodec: registry.codec(method.responseType) } },
    } satisfies ServiceDescriptor;
    const connection = connect(descriptor, { endpoints: [endpoint], timeout: Math.max(1, deadline.remaining()) });
    const print = (reply: unknown): void => io.out(JSON.stringify(messageToJson(registry.lookup(method.responseType), reply)));
    try {
      const options = { timeout: Math.max(1, deadline.remaining()), metadata };
      // The method's shape is known at run time only; a client-streaming method gets the one request as its stream.
      const call = connection.client.call as unknown as (input: unknown, options: object) => AsyncIterable<unknown> | Promise<unknown>;
      const input = method.clientStreaming ? [request] : request;
      if (method.serverStreaming) {
        for await (const reply of call(input, options) as AsyncIterable<unknown>) print(reply);
      } else {
        print(await (call(input, options) as Promise<unknown>));
      }
      return ExitCode.OK;
    } catch (error) {
      throw remoteOrTimeout(service, error, "");
    } finally {
      await connection.close();
    }
  },
};

/** A method as Describe names it, with its service. */
interface DescribedMethod extends Omit<MethodDescriptor<unknown, unknown>, "requestCodec" | "responseCodec"> {
  service: string;
}

type ServiceModule = typeof import("@skein/service");

async function describe(service: ServiceModule, endpoint: string, deadline: Deadline): Promise<DescribeReply> {
  const { connect, HealthService } = service;
  const health = connect(HealthService, { endpoints: [endpoint], timeout: Math.max(1, deadline.remaining()) });
  try {
    return await health.client.describe({});
  } catch (error) {
    throw remoteOrTimeout(service, error, ` (asking ${endpoint} for its types)`);
  } finally {
    await health.close();
  }
}

/** A call's failure as the exit code it means: the deadline is a timeout, no server is unavailable, any other status a remote error. */
function remoteOrTimeout({ RpcError, RpcStatus }: ServiceModule, error: unknown, context: string): Error {
  if (!(error instanceof RpcError)) return error as Error;
  if (error.code === RpcStatus.DEADLINE_EXCEEDED) return new TimeoutError(`${error.message}${context}`);
  if (error.code === RpcStatus.UNAVAILABLE) return new UnavailableError(`${error.message}${context}`);
  return new RemoteError(error.code, error.message);
}

/** `example.Greeter.SayHello` or `example.Greeter/SayHello`; the method name in any case. */
function findMethod(description: DescribeReply, target: string): DescribedMethod {
  const split = Math.max(target.lastIndexOf("/"), target.lastIndexOf("."));
  if (split <= 0) throw new UsageError(`"${target}" is not Service.Method (e.g. example.Greeter.SayHello)`);
  const serviceName = target.slice(0, split);
  const methodName = target.slice(split + 1).toLowerCase();
  const service = description.services.find((candidate) => candidate.name === serviceName);
  if (service === undefined) {
    const known = description.services.map((candidate) => candidate.name).join(", ");
    throw new RemoteError(UNIMPLEMENTED, `${description.app} serves no service ${serviceName} (it serves: ${known})`);
  }
  const method = service.methods.find((candidate) => candidate.name.toLowerCase() === methodName);
  if (method === undefined) {
    const known = service.methods.map((candidate) => candidate.name).join(", ");
    throw new RemoteError(UNIMPLEMENTED, `${serviceName} has no method ${target.slice(split + 1)} (it has: ${known})`);
  }
  return { ...method, service: service.name, clientStreaming: false };
}

/** One registry holding both types, from the schemas Describe sent. */
function registryOf(Registry: typeof TypeRegistry, description: DescribeReply, types: readonly string[]): TypeRegistry {
  const schemas = description.schemas ?? [];
  for (const schema of schemas) {
    // 64-bit integers decode as decimal strings: protobuf's JSON mapping, and exact.
    const registry = Registry.fromJSON(JSON.parse(schema) as Record<string, unknown>, { longs: "string" });
    if (types.every((type) => registry.has(type))) return registry;
  }
  throw new Error(
    schemas.length === 0
      ? `${description.app} does not describe its message types (its @skein/service predates Describe's schemas): call it from code with its .proto`
      : `${description.app} does not describe ${types.join(" and ")} (a hand-written codec?): call it from code with its .proto`,
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the request is not JSON (${(error as Error).message}): quote it, e.g. '{"name":"Ada"}'`);
  }
}

function parseMetadata(pairs: readonly string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf("=");
    if (equals <= 0) throw new UsageError(`--metadata takes KEY=VALUE, got "${pair}"`);
    metadata[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return metadata;
}

function printServices(description: DescribeReply, io: Output): void {
  io.out(`app ${description.app}`);
  for (const service of description.services) {
    for (const method of service.methods) {
      const reply = method.serverStreaming ? `stream ${method.responseType}` : method.responseType;
      io.out(`${service.name}.${method.name}(${method.requestType}) returns (${reply})`);
    }
  }
}
