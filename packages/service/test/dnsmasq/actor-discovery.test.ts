/**
 * Actor members found by DNS (tcp+dns://) against a real dnsmasq whose A
 * records change during the test: the ring follows the instances DNS names.
 * Run by .ci/suites/dns.sh (needs dnsmasq), not by `pnpm test`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ActorSystem, HashRing, MemoryStorage } from "../../src/index.js";
import { Dnsmasq } from "../../../patterns/test/dnsmasq/dnsmasq-server.js";
import { until } from "../../../patterns/test/helpers.js";
import { Counter } from "../actor/actors.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const FAST = { refreshInterval: 100, minRefreshInterval: 50 };

describe("actor members found by DNS", () => {
  it("places keys on the instances a tcp+dns:// name resolves to, and rebalances as DNS adds and removes them", async () => {
    const dns = await Dnsmasq.start(["127.0.0.2 actors.test"]);
    closers.push(() => dns.stop());
    const storage = new MemoryStorage(); // one process: the members share it
    const start = async (host: string, port: number): Promise<ActorSystem> => {
      const system = new ActorSystem({
        actors: [Counter], storage, bind: `tcp://${host}:${port}`,
        discover: [`tcp+dns://actors.test:${port}`], resolve: { servers: [dns.server], ...FAST },
      });
      closers.push(() => system.close());
      return system;
    };
    // The first member picks the port every instance then uses, as the pods of one Service do.
    const probe = new ActorSystem({ actors: [], storage, bind: "tcp://127.0.0.2:0" });
    await probe.start();
    const port = Number(probe.endpoint!.slice(probe.endpoint!.lastIndexOf(":") + 1));
    await probe.close();
    const first = await start("127.0.0.2", port);
    await first.start();
    const second = await start("127.0.0.3", port);
    await second.start();
    const client = new ActorSystem({ storage: new MemoryStorage(), discover: [`tcp+dns://actors.test:${port}`], resolve: { servers: [dns.server], ...FAST } });
    await client.start();
    closers.push(() => client.close());
    const a = `tcp://127.0.0.2:${port}`;
    const b = `tcp://127.0.0.3:${port}`;
    expect(first.id).toBe(a);
    expect(client.members.map((member) => member.id)).toEqual([a]);

    const keys = Array.from({ length: 30 }, (_, i) => `d${i}`);
    await Promise.all(keys.map((key) => client.ref(Counter, key).increment(1)));
    expect(first.activationCount).toBe(30);

    const moved: string[] = [];
    first.on("deactivated", (_type, key, reason) => {
      if (reason === "membership") moved.push(key);
    });
    await dns.setHosts(["127.0.0.2 actors.test", "127.0.0.3 actors.test"]);
    const both = (system: ActorSystem): boolean => system.members.length === 2;
    await until(() => both(first) && both(second) && both(client), "every view to hold both instances", 10_000);
    const ring = new HashRing([a, b]);
    const toSecond = keys.filter((key) => ring.owner(`Counter/${key}`) === b);
    expect(moved.sort()).toEqual([...toSecond].sort());
    expect(await Promise.all(keys.map((key) => client.ref(Counter, key).increment(1)))).toEqual(keys.map(() => 2));
    expect(second.activationCount).toBe(toSecond.length);

    await dns.setHosts(["127.0.0.3 actors.test"]);
    await until(() => client.members.length === 1 && second.members.length === 1, "the views to drop the first instance", 10_000);
    expect(await Promise.all(keys.map((key) => client.ref(Counter, key).increment(1)))).toEqual(keys.map(() => 3));
    expect(second.activationCount).toBe(30);
  });
});
