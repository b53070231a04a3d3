/**
 * RpcClient on a `tcp+srv://` name served by a DNS server in the test
 * (dns-responder.ts), whose records change: the plain suite's check of
 * resolution end to end. The same and more against dnsmasq: ../dnsmasq/.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Router } from "@skein/core";
import { RpcClient, RpcServer } from "../../src/index.js";
import { ANY_PORT, Collector, gate, until, within } from "../helpers.js";
import { DnsResponder } from "./dns-responder.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
}

async function namedServer(name: string): Promise<number> {
  const server = new RpcServer({ bind: [ANY_PORT] });
  await server.serve(() => [Buffer.from(name)]);
  closers.push(() => server.close());
  return portOf(server.endpoints[0]!);
}

describe("RpcClient on a tcp+srv:// name", () => {
  it("spreads calls over the SRV targets, calls one added, and closes one removed once its call in flight is answered", async () => {
    const dns = await DnsResponder.start();
    closers.push(() => dns.close());
    const [a, b] = [await namedServer("a"), await namedServer("b")];
    // "c" is a bare ROUTER: the test holds its reply and sees the client leave.
    const c = new Router({ linger: 0 });
    closers.push(() => c.close());
    await c.bind(ANY_PORT);
    const requests = new Collector<Buffer[]>();
    void (async () => {
      for await (const message of c) requests.push(message);
    })();
    const name = "_rpc._tcp.greeter.test";
    for (const target of ["a.test", "b.test", "c.test"]) dns.a.set(target, ["127.0.0.1"]);
    dns.srv.set(name, [{ priority: 0, weight: 1, port: a, target: "a.test" }, { priority: 0, weight: 1, port: b, target: "b.test" }]);

    const client = new RpcClient({ endpoints: [`tcp+srv://${name}`], timeout: 5000, resolve: { servers: [dns.server], refreshInterval: 50, minRefreshInterval: 10 } });
    closers.push(() => client.close());
    const who = async (): Promise<string> => (await client.request([Buffer.from("who")]))[0]!.toString();
    await until(() => client.endpoints.length === 2, "both targets");
    const first = new Set<string>();
    for (let i = 0; i < 4; i++) first.add(await who());
    expect([...first].sort()).toEqual(["a", "b"]);

    dns.srv.set(name, [...dns.srv.get(name)!, { priority: 0, weight: 1, port: portOf(c.lastEndpoint!), target: "c.test" }]);
    const calls: Promise<string>[] = [];
    await until(() => {
      if (requests.items.length > 0) return true;
      calls.push(who());
      return false;
    }, "the added target to get a call");

    const left = gate();
    c.events.on("disconnect", () => left.open());
    dns.srv.set(name, dns.srv.get(name)!.filter((record) => record.target !== "c.test"));
    await until(() => client.endpoints.length === 2, "the removed target to leave the rotation");
    for (let i = 0; i < 4; i++) expect(await who()).not.toBe("c");
    const [routingId, correlation] = requests.items[0]!;
    await c.send([routingId!, correlation!, Buffer.from("c")]);
    expect((await Promise.all(calls)).filter((answer) => answer === "c")).toHaveLength(1);
    await within(left.promise, 5000, "the client to close its connection to the removed target");
    expect(requests.items).toHaveLength(1);
  });

  it("fails a call with ENOTCONN at its timeout when the name has no records", async () => {
    const dns = await DnsResponder.start();
    closers.push(() => dns.close());
    const client = new RpcClient({ endpoints: ["tcp+srv://_rpc._tcp.nothing.test"], timeout: 200, resolve: { servers: [dns.server] } });
    closers.push(() => client.close());
    await expect(client.request([Buffer.from("x")])).rejects.toMatchObject({ code: "ENOTCONN", message: /resolved to nothing/ });
    await expect(client.request([Buffer.from("x")], { waitForReady: false })).rejects.toMatchObject({ code: "ENOTCONN" });
  });
});
