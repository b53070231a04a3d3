/**
 * The one service every framework in the service cases implements: the
 * greeter of `examples/codegen/proto/greeter.proto` (`SayHello`, and
 * `SayHelloStream` for the frameworks that stream), so each compares the
 * same work: decode a name, answer `Hello, <name>!`.
 */

/** Frameworks of the service cases: skein's `@skein/service` and the rivals users pick. */
export type ServiceImpl = "skein" | "grpc-js" | "nestjs" | "moleculer";

/** A running greeter server. */
export interface GreeterServer {
  /** Where clients connect, in the framework's own form (`tcp://...`, `127.0.0.1:port`). */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** A connected greeter client. */
export interface GreeterClient {
  /** One unary call; resolves with the greeting. */
  sayHello(name: string): Promise<string>;
  /** One server-streaming call of `times` greetings, read to the end; resolves with the count read. */
  sayHelloStream?(name: string, times: number): Promise<number>;
  close(): Promise<void>;
}

/** The greeting every server answers. */
export function greeting(name: string): string {
  return `Hello, ${name}!`;
}

/** The proto file the skein and grpc-js greeters are generated from or load. */
export const GREETER_PROTO = new URL("../../../../examples/codegen/proto/greeter.proto", import.meta.url);

/** A free tcp port on the loopback, for frameworks that cannot bind port 0 and say which port they got. */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}
