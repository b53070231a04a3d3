import { afterEach, expect, it } from "vitest";
import { RpcClient, RpcServer } from "../src/index.js";
import { ANY_PORT, until, within } from "./helpers.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Sums the numbers the client sends on the call until it sends "end". */
async function summingServer(options: { concurrency?: number } = {}): Promise<RpcServer> {
  const server = new RpcServer({ bind: [ANY_PORT], ...options });
  await server.serve((_frames, ctx) => new Promise<Buffer[]>((resolve) => {
    let sum = 0;
    ctx.onMessage(([frame]) => {
      const text = frame!.toString();
      if (text === "end") resolve([Buffer.from(String(sum))]);
      else sum += Number(text);
    });
  }));
  closers.push(() => server.close());
  return server;
}

it("an open call's further messages reach its handler in order, and only it", async () => {
  const server = await summingServer();
  const client = new RpcClient({ endpoints: server.endpoints });
  closers.push(() => client.close());
  const a = client.open([Buffer.from("a")]);
  const b = client.open([Buffer.from("b")]);
  for (let i = 1; i <= 10; i++) {
    await a.send([Buffer.from(String(i))]);
    await b.send([Buffer.from("100")]);
  }
  await a.send([Buffer.from("end")]);
  await b.send([Buffer.from("end")]);
  expect((await a.reply)[0]!.toString()).toBe("55");
  expect((await b.reply)[0]!.toString()).toBe("1000");
  await expect(a.send([Buffer.from("late")])).rejects.toMatchObject({ code: "ECANCELED" });
});

it("messages of running calls still arrive while every handler slot is taken and requests wait", async () => {
  const server = await summingServer({ concurrency: 1 });
  const client = new RpcClient({ endpoints: server.endpoints, timeout: 10_000 });
  closers.push(() => client.close());
  const first = client.open([Buffer.from("first")]);
  const waiting = client.open([Buffer.from("second")]);
  await first.send([Buffer.from("2")]);
  await first.send([Buffer.from("end")]);
  expect((await first.reply)[0]!.toString()).toBe("2");
  await waiting.send([Buffer.from("3")]);
  await waiting.send([Buffer.from("end")]);
  expect((await waiting.reply)[0]!.toString()).toBe("3");
});

it("an open call fails with ECONNRESET when the connection to its server is lost", async () => {
  const server = await summingServer();
  const client = new RpcClient({ endpoints: server.endpoints, timeout: 60_000 });
  closers.push(() => client.close());
  const call = client.open([Buffer.from("x")]);
  await call.send([Buffer.from("1")]);
  await until(() => server.inFlight === 1, "the call to reach its handler", 10_000);
  await server.close(0);
  await expect(within(call.reply, 10_000, "the reset")).rejects.toMatchObject({ code: "ECONNRESET" });
});

it("a handler that listens only after an await still gets the messages its call sent before (kept for it)", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const server = new RpcServer({ bind: [ANY_PORT] });
  await server.serve(async ([first], ctx) => {
    // A request on the same connection that is answered at once: its reply says every earlier message was read.
    if (first!.toString() === "ping") return [Buffer.from("pong")];
    await gate;
    return new Promise<Buffer[]>((resolve) => {
      let sum = 0;
      ctx.onMessage(([frame]) => {
        if (frame!.toString() === "end") resolve([Buffer.from(String(sum))]);
        else sum += Number(frame!.toString());
      });
    });
  });
  closers.push(() => server.close());
  const client = new RpcClient({ endpoints: server.endpoints, timeout: 10_000 });
  closers.push(() => client.close());
  const call = client.open([Buffer.from("sum")]);
  await call.send([Buffer.from("5")]);
  await call.send([Buffer.from("end")]);
  expect((await client.request([Buffer.from("ping")]))[0]!.toString()).toBe("pong");
  release();
  expect((await within(call.reply, 5_000, "the sum"))[0]!.toString()).toBe("5");
  expect(server.unmatchedMessages).toBe(0);
});
