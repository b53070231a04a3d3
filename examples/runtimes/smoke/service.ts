// A service call under any runtime that runs TypeScript with legacy
// decorators: a @Service class of @skein/service with @Rpc handlers, started
// by createApp, called through the typed client of connect(). Prints
// `ok service-unary` and `ok service-stream` (or FAIL lines), then
// `runtime: NAME VERSION`; exits 0 only if both passed.
//
// Bun reads experimentalDecorators from tsconfig.json, Deno from deno.json;
// @skein/service imports reflect-metadata itself.
import { GreeterService, type HelloRequest } from "@skein/example-codegen";
import { Rpc, Service, connect, createApp } from "@skein/service";

@Service(GreeterService)
class Greeter {
  @Rpc()
  sayHello(request: HelloRequest) {
    return { message: `Hello, ${request.name}!` };
  }

  @Rpc()
  async *sayHelloStream(request: HelloRequest) {
    for (let index = 0; index < request.times; index++) yield { message: `#${index} ${request.name}`, index };
  }
}

let failed = 0;
async function check(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
    console.log(`ok ${name}`);
  } catch (error) {
    failed++;
    const { code, message } = error as { code?: string; message?: string };
    console.log(`FAIL ${name}: ${code ?? ""} ${message ?? String(error)}`.replace(/\s+/g, " "));
  }
}

const app = createApp({ name: "greeter", services: [Greeter], endpoints: { rpc: { bind: ["tcp://127.0.0.1:0"] } }, env: false });
await app.start();
const connection = connect(GreeterService, { endpoints: app.endpoints.rpc, timeout: 5000 });
try {
  await check("service-unary", async () => {
    const reply = await connection.client.sayHello({ name: "Ada", times: 0 });
    if (reply.message !== "Hello, Ada!") throw new Error(`got ${JSON.stringify(reply.message)}`);
  });
  await check("service-stream", async () => {
    const seen: string[] = [];
    for await (const item of connection.client.sayHelloStream({ name: "Bob", times: 3 })) seen.push(item.message);
    if (seen.join("|") !== "#0 Bob|#1 Bob|#2 Bob") throw new Error(`got ${JSON.stringify(seen)}`);
  });
} finally {
  await connection.close();
  await app.stop(1000);
}
const runtime = (globalThis as { Bun?: { version: string } }).Bun?.version;
const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno?.version.deno;
console.log(`runtime: ${runtime !== undefined ? `bun ${runtime}` : deno !== undefined ? `deno ${deno}` : `node ${process.versions.node}`}`);
process.exitCode = failed === 0 ? 0 : 1;
