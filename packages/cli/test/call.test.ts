import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { freeAddress } from "../../core/test/helpers.js";
import { runSkein, startProcess, type Running } from "./skein-process.js";

// A real @skein/service app: the greeter process of the microservices example (built by `pnpm build`).
const GREETER = fileURLToPath(new URL("../../../examples/microservices/dist/greeter.js", import.meta.url));

let greeter: Running;
let endpoint: string;

beforeAll(async () => {
  greeter = startProcess(GREETER, [], { SKEIN_RPC_BIND: "tcp://127.0.0.1:0", GREETING: "Hello" });
  endpoint = (await greeter.match(/ready: rpc (tcp:\/\/\S+)/))[1]!;
});

afterAll(async () => {
  greeter.child.kill("SIGTERM");
  expect((await greeter.exited).code).toBe(0);
});

test("call sends a JSON request to a unary method and prints the reply as JSON", async () => {
  const { code, stdout, stderr } = await runSkein(["call", endpoint, "example.Greeter.SayHello", '{"name":"Ada"}']);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(JSON.parse(stdout)).toEqual({ message: "Hello, Ada!", index: 0 });
});

test("call prints each reply of a server-streaming method as one JSON line, in order", async () => {
  const { code, stdout } = await runSkein(["call", endpoint, "example.Greeter/SayHelloStream", '{"name":"Ada","times":3}']);
  expect(code).toBe(0);
  expect(stdout.trim().split("\n").map((line) => JSON.parse(line) as unknown)).toEqual([
    { message: "Hello #1, Ada", index: 0 },
    { message: "Hello #2, Ada", index: 1 },
    { message: "Hello #3, Ada", index: 2 },
  ]);
});

test("call prints the service's error code and message on stderr and exits with 4", async () => {
  const { code, stdout, stderr } = await runSkein(["call", endpoint, "example.Greeter.SayHello", '{"name":" "}']);
  expect(code).toBe(4);
  expect(stdout).toBe("");
  expect(stderr.trim()).toBe("INVALID_ARGUMENT: name is required");
});

test("call of a method the service lacks names the methods it has and exits with 4", async () => {
  const { code, stderr } = await runSkein(["call", endpoint, "example.Greeter.SayGoodbye", "{}"]);
  expect(code).toBe(4);
  expect(stderr).toContain("UNIMPLEMENTED: example.Greeter has no method SayGoodbye (it has: SayHello, SayHelloStream)");
});

test("call refuses a field the request type lacks, naming its fields, with exit code 2", async () => {
  const { code, stderr } = await runSkein(["call", endpoint, "example.Greeter.SayHello", '{"nmae":"Ada"}']);
  expect(code).toBe(2);
  expect(stderr).toContain('example.HelloRequest has no field "nmae" (its fields: name, times)');
});

test("call refuses a value of the wrong kind and a request that is not JSON, with exit code 2", async () => {
  const wrongKind = await runSkein(["call", endpoint, "example.Greeter.SayHello", '{"times":"many"}']);
  expect(wrongKind.code).toBe(2);
  expect(wrongKind.stderr).toContain("HelloRequest.times is a uint32");
  const notJson = await runSkein(["call", endpoint, "example.Greeter.SayHello", "{name: Ada}"]);
  expect(notJson.code).toBe(2);
  expect(notJson.stderr).toContain("the request is not JSON");
});

test("call --list prints every method the app serves, with its types", async () => {
  const { code, stdout } = await runSkein(["call", endpoint, "--list"]);
  expect(code).toBe(0);
  expect(stdout).toContain("example.Greeter.SayHelloStream(example.HelloRequest) returns (stream example.HelloReply)");
  expect(stdout).toContain("skein.Health.Ping(skein.PingRequest) returns (skein.PingReply)");
});

test("call to an endpoint where no server listens ends at --timeout as UNAVAILABLE with exit code 5", async () => {
  const { code, stderr } = await runSkein(["call", await freeAddress("tcp"), "example.Greeter.SayHello", "{}", "--timeout", "500"]);
  expect(code).toBe(5);
  expect(stderr).toMatch(/^UNAVAILABLE: .*no server connected/m);
});
