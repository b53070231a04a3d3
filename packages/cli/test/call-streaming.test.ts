import { TypeRegistry, type ServiceDescriptor } from "@skein/codec";
import { createApp, Rpc, Service } from "@skein/service";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runSkein, startSkein } from "./skein-process.js";

// A service defined in the test from .proto source (no generated code), served by a real app in this process.
const registry = new TypeRegistry().registerProto(`
syntax = "proto3";
package clitest;
enum Color { RED = 0; GREEN = 1; }
message Tick { uint32 n = 1; int64 big = 2; bytes raw = 3; Color color = 4; repeated string tags = 5; Tick inner = 6; }
message Count { uint32 up_to = 1; }
`);
const TickerService = {
  name: "clitest.Ticker",
  methods: {
    count: {
      name: "Count", requestType: "clitest.Count", responseType: "clitest.Tick",
      requestCodec: registry.codec<{ upTo: number }>("clitest.Count"), responseCodec: registry.codec<{ n: number }>("clitest.Tick"),
      clientStreaming: false, serverStreaming: true,
    },
    echo: {
      name: "Echo", requestType: "clitest.Tick", responseType: "clitest.Tick",
      requestCodec: registry.codec<object>("clitest.Tick"), responseCodec: registry.codec<object>("clitest.Tick"),
      clientStreaming: false, serverStreaming: false,
    },
  },
} as const satisfies ServiceDescriptor;

/** Each tick after the first waits for the test to let it go: the test sees what was printed so far. */
const gates: (() => void)[] = [];

@Service(TickerService)
class Ticker {
  @Rpc()
  async *count(request: { upTo: number }) {
    for (let n = 1; n <= request.upTo; n++) {
      if (n > 1) await new Promise<void>((resolve) => gates.push(resolve));
      yield { n };
    }
  }

  @Rpc()
  echo(request: object) {
    return request;
  }
}

// A reply to a caller that timed out and left has nobody to go to: the app reports it here.
const appErrors: unknown[] = [];
const app = createApp({ name: "ticker", services: [Ticker], endpoints: { rpc: { bind: ["tcp://127.0.0.1:0"] } }, env: false, onError: (error) => appErrors.push(error) });
beforeAll(() => app.start());
afterAll(() => app.stop(1_000));

test("call prints each reply of a stream as it arrives, before the stream has ended", async () => {
  const calling = startSkein(["call", app.endpoints.rpc[0]!, "clitest.Ticker.Count", '{"up_to":3}', "--timeout", "20000"]);
  for (const n of [1, 2, 3]) {
    // Tick n is on stdout while tick n+1 is still held by the service.
    await calling.match(new RegExp(`"n":${n},`));
    expect(calling.stdout().trim().split("\n")).toHaveLength(n);
    gates.shift()?.();
  }
  const { code, stdout } = await calling.exited;
  expect(code).toBe(0);
  expect(stdout.trim().split("\n").map((line) => (JSON.parse(line) as { n: number }).n)).toEqual([1, 2, 3]);
});

test("call takes and prints JSON as protobuf maps it: 64-bit integers as strings, bytes as base64, enums by name", async () => {
  const request = { n: 7, big: "9007199254740993", raw: Buffer.from([0, 1, 255]).toString("base64"), color: "GREEN", tags: ["a", "b"], inner: { n: 1 } };
  const { code, stdout, stderr } = await runSkein(["call", app.endpoints.rpc[0]!, "clitest.Ticker/Echo", JSON.stringify(request)]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(JSON.parse(stdout)).toEqual({ ...request, inner: { n: 1, big: "0", raw: "", color: "RED", tags: [], inner: null } });
});

test("call refuses an enum value the type does not have, naming the ones it has", async () => {
  const { code, stderr } = await runSkein(["call", app.endpoints.rpc[0]!, "clitest.Ticker.Echo", '{"inner":{"color":"BLUE"}}']);
  expect(code).toBe(2);
  expect(stderr).toContain("Tick.inner.color is an enum: one of RED, GREEN");
});

test("call whose server took the call but does not finish before --timeout exits with 3, printing what came", async () => {
  const calling = startSkein(["call", app.endpoints.rpc[0]!, "clitest.Ticker.Count", '{"upTo":2}', "--timeout", "1500"]);
  const { code, stdout, stderr } = await calling.exited;
  // The service holds tick 2 until the test lets it go: let it finish now that the call is over.
  gates.shift()?.();
  expect(code).toBe(3);
  expect(stdout).toMatch(/"n":1,/);
  expect(stderr).toContain("deadline");
});
