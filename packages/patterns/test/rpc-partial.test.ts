import { afterEach, expect, it } from "vitest";
import { RpcClient, RpcServer } from "../src/index.js";
import { ANY_PORT } from "./helpers.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function countingServer(): Promise<RpcServer> {
  const server = new RpcServer({ bind: [ANY_PORT] });
  await server.serve(async ([n], ctx) => {
    const count = Number(n!.toString());
    for (let i = 1; i <= count; i++) await ctx.sendPartial([Buffer.from(`item ${i}`)]);
    return [Buffer.from("done")];
  });
  closers.push(() => server.close());
  return server;
}

it("partial replies reach onPartial in order, before the final reply resolves the request", async () => {
  const server = await countingServer();
  const client = new RpcClient({ endpoints: server.endpoints });
  closers.push(() => client.close());
  const seen: string[] = [];
  const final = await client.request([Buffer.from("3")], { onPartial: ([frame]) => seen.push(frame!.toString()) });
  expect(seen).toEqual(["item 1", "item 2", "item 3"]);
  expect(final.map(String)).toEqual(["done"]);
});

it("concurrent streamed requests keep their partial replies apart", async () => {
  const server = await countingServer();
  const client = new RpcClient({ endpoints: server.endpoints });
  closers.push(() => client.close());
  const a: string[] = [];
  const b: string[] = [];
  await Promise.all([
    client.request([Buffer.from("5")], { onPartial: ([f]) => a.push(f!.toString()) }),
    client.request([Buffer.from("2")], { onPartial: ([f]) => b.push(f!.toString()) }),
  ]);
  expect(a).toEqual(["item 1", "item 2", "item 3", "item 4", "item 5"]);
  expect(b).toEqual(["item 1", "item 2"]);
});

it("a plain request ignores partial replies and still gets the final one", async () => {
  const server = await countingServer();
  const client = new RpcClient({ endpoints: server.endpoints });
  closers.push(() => client.close());
  expect((await client.request([Buffer.from("4")])).map(String)).toEqual(["done"]);
  expect(client.unmatchedReplies).toBe(4);
});
