/**
 * The greeter on `@grpc/grpc-js` (HTTP/2, pure JavaScript), from the same
 * `greeter.proto` loaded by `@grpc/proto-loader`: the rival for unary and
 * server-streaming calls.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";
import { GREETER_PROTO, greeting, type GreeterClient, type GreeterServer } from "./contract.js";

interface HelloRequest {
  name: string;
  times: number;
}
interface HelloReply {
  message: string;
  index?: number;
}
type GreeterStub = grpc.Client & {
  sayHello(request: HelloRequest, callback: (error: grpc.ServiceError | null, reply?: HelloReply) => void): void;
  sayHelloStream(request: HelloRequest): grpc.ClientReadableStream<HelloReply>;
};

function loadGreeter(): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(fileURLToPath(GREETER_PROTO), { defaults: true });
  const example = grpc.loadPackageDefinition(definition).example as grpc.GrpcObject;
  return example.Greeter as grpc.ServiceClientConstructor;
}

export async function serveGrpc(): Promise<GreeterServer> {
  const Greeter = loadGreeter();
  const server = new grpc.Server();
  server.addService(Greeter.service, {
    sayHello: (call: grpc.ServerUnaryCall<HelloRequest, HelloReply>, callback: grpc.sendUnaryData<HelloReply>) => {
      callback(null, { message: greeting(call.request.name) });
    },
    sayHelloStream: (call: grpc.ServerWritableStream<HelloRequest, HelloReply>) => {
      const message = greeting(call.request.name);
      for (let index = 0; index < Math.max(1, call.request.times); index++) call.write({ message, index });
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return {
    endpoint: `127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

export async function connectGrpc(endpoint: string): Promise<GreeterClient> {
  const Greeter = loadGreeter();
  const client = new Greeter(endpoint, grpc.credentials.createInsecure()) as unknown as GreeterStub;
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve())));
  return {
    sayHello: (name) => new Promise((resolve, reject) => {
      client.sayHello({ name, times: 0 }, (error, reply) => (error ? reject(error) : resolve(reply!.message)));
    }),
    sayHelloStream: async (name, times) => {
      let count = 0;
      for await (const reply of client.sayHelloStream({ name, times }) as AsyncIterable<HelloReply>) if (reply.message.length > 0) count++;
      return count;
    },
    close: async () => client.close(),
  };
}
