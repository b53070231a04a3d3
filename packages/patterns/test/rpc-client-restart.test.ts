/**
 * RpcClient and a server restarted at the same address (a rolling restart
 * whose DNS record never changed, or a static endpoint list): the calls the
 * old instance refused or lost while it drained must not keep the new
 * instance out of the rotation once it is connected.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RpcClient, RpcServer } from "../src/index.js";
import { ANY_PORT, gate, until } from "./helpers.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A server answering its name; a "slow" request waits for `hold` first. */
async function server(name: string, bind: string, hold: Promise<void>): Promise<RpcServer> {
  const server = new RpcServer({ bind: [bind] });
  await server.serve(async (message) => {
    if (message[0]!.toString() === "slow") await hold;
    return [Buffer.from(name)];
  });
  closers.push(() => server.close());
  return server;
}

describe("RpcClient and a server restarted at the same address", () => {
  it("sends calls to the new instance once connected, though the old one refused calls while it drained", async () => {
    const held = gate();
    const a = await server("a", ANY_PORT, held.promise);
    const b = await server("b", ANY_PORT, held.promise);
    const address = a.endpoints[0]!;
    const client = new RpcClient({ endpoints: [address, b.endpoints[0]!], timeout: 1000, retries: 2 });
    closers.push(() => client.close());
    const who = async (): Promise<string> => (await client.request([Buffer.from("who")]))[0]!.toString();
    // Every call made is awaited at the end: each must be answered.
    const calls: Promise<string>[] = [];
    const call = (): Promise<string> => {
      const reply = who();
      calls.push(reply);
      return reply;
    };
    const seen = new Set<string>();
    await until(() => {
      void call().then((name) => seen.add(name));
      return seen.size === 2;
    }, "both servers to answer");

    // One call held on each server; then "a" drains (SIGTERM): the calls it gets meanwhile are refused and
    // go to "b", and its drain deadline passes with its call unanswered: its last word was refusals.
    const slow = [client.request([Buffer.from("slow")]), client.request([Buffer.from("slow")])];
    await until(() => a.inFlight > 0 && b.inFlight > 0, "a slow call on each server");
    const draining = a.close(200);
    const during = await Promise.all([who(), who(), who(), who()]);
    expect(during).toEqual(["b", "b", "b", "b"]);
    await draining;
    held.open();
    // The call "a" held is retried on "b" after its timeout.
    expect((await Promise.all(slow)).map((reply) => reply[0]!.toString())).toEqual(["b", "b"]);

    // The new instance at the same address: it gets its share of calls once the client has reconnected.
    await server("a2", address, Promise.resolve());
    // One call at a time (no server is ever loaded, none times out from load): until the new instance
    // answers one, or 5 s pass. A call sent before the client saw the old connection end is lost with it
    // and retried on "b" after its 1 s timeout: that must not count against the new connection.
    const after: string[] = [];
    const deadline = Date.now() + 5000;
    while (!after.includes("a2") && Date.now() < deadline) after.push(await call());
    expect(after, "a call reached the restarted instance").toContain("a2");
    expect(new Set(await Promise.all(calls))).toEqual(new Set(["a", "b", "a2"]));
  });

  it("does not count a call lost with the old connection against the new one", async () => {
    const held = gate();
    const a = await server("a", ANY_PORT, held.promise);
    const b = await server("b", ANY_PORT, held.promise);
    const address = a.endpoints[0]!;
    const client = new RpcClient({ endpoints: [address, b.endpoints[0]!], timeout: 1000, retries: 2 });
    closers.push(() => client.close());
    const who = async (): Promise<string> => (await client.request([Buffer.from("who")]))[0]!.toString();
    const seen = new Set<string>();
    while (seen.size < 2) seen.add(await who());

    // "a" exits with a call unanswered and is back at once: the call times out after the client has
    // connected to the new instance, and is retried on "b".
    const slow = [client.request([Buffer.from("slow")]), client.request([Buffer.from("slow")])];
    await until(() => a.inFlight > 0 && b.inFlight > 0, "a slow call on each server");
    await a.close(0);
    await server("a2", address, Promise.resolve());
    held.open();
    expect((await Promise.all(slow)).map((reply) => reply[0]!.toString())).toEqual(["b", "b"]);

    const after: string[] = [];
    const deadline = Date.now() + 5000;
    while (!after.includes("a2") && Date.now() < deadline) after.push(await who());
    expect(after, "a call reached the restarted instance").toContain("a2");
  });
});
