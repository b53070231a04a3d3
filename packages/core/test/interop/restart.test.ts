/**
 * Peer restarts across the wire: one side closes and a new socket binds the
 * same endpoint; the connecting side (the other library) reconnects on its
 * own and traffic continues, subscriptions and routing ids included.
 */
import { afterEach, describe, expect, test } from "vitest";
import { Sockets, bindAddress, pollUntil, rebind, receiveUntil, text, type Lib, type Transport } from "./helpers.js";

const sockets = new Sockets();
afterEach(() => sockets.closeAll());

const TRANSPORTS: Transport[] = ["tcp", "ipc"];
const other = (lib: Lib): Lib => (lib === "skein" ? "libzmq" : "skein");

/** Receives `after-0` ... `after-(n-1)` in order, skipping probes. */
async function expectSequence(receive: { receive(): Promise<Buffer[]> }, n: number, skip: (m: Buffer[]) => boolean): Promise<void> {
  const got = await receiveUntil(receive as never, (m) => text(m).at(-1) === `after-${n - 1}`, skip);
  expect(got.map((m) => text(m).at(-1))).toEqual(Array.from({ length: n - 1 }, (_, i) => `after-${i}`));
}

for (const restarting of ["libzmq", "skein"] as Lib[]) {
  const staying = other(restarting);
  describe(`${staying} reconnects when a ${restarting} peer restarts on the same endpoint`, () => {
    for (const transport of TRANSPORTS) {
      test(`${staying} PUSH keeps delivering to a restarted ${restarting} PULL over ${transport}`, async () => {
        const pull = sockets.make(restarting, "PULL");
        await pull.bind(bindAddress(transport));
        const endpoint = pull.lastEndpoint!;
        const push = sockets.make(staying, "PUSH");
        push.connect(endpoint);
        await push.send("before");
        expect(text(await pull.receive())).toEqual(["before"]);

        sockets.close(pull);
        const again = sockets.make(restarting, "PULL");
        await rebind(again, endpoint);
        // A message written just before the old peer went away can be lost with its connection: probe until one arrives.
        await pollUntil(again.receive(), () => push.send("probe"), "the reconnect");
        for (let i = 0; i < 10; i++) await push.send(`after-${i}`);
        await expectSequence(again, 10, (m) => text(m)[0] === "probe");
      });

      test(`${staying} SUB subscribes again to a restarted ${restarting} PUB over ${transport}`, async () => {
        const pub = sockets.make(restarting, "PUB");
        await pub.bind(bindAddress(transport));
        const endpoint = pub.lastEndpoint!;
        const sub = sockets.make(staying, "SUB");
        sub.connect(endpoint);
        sub.subscribe!("A");
        await pollUntil(sub.receive(), () => pub.send(["A", "probe"]), "the first subscription");

        sockets.close(pub);
        const again = sockets.make(restarting, "PUB");
        await rebind(again, endpoint);
        // The new PUB filters (RFC 29): "A" reaches the subscriber only once it has resent its subscription.
        await pollUntil(sub.receive(), () => again.send(["A", "probe"]), "the resent subscription");
        for (let i = 0; i < 10; i++) {
          await again.send(["B", `after-${i}`]);
          await again.send(["A", `after-${i}`]);
        }
        await expectSequence(sub, 10, (m) => text(m)[1] === "probe");
      });

      test(`${staying} DEALER keeps its routing id at a restarted ${restarting} ROUTER over ${transport}`, async () => {
        const router = sockets.make(restarting, "ROUTER");
        await router.bind(bindAddress(transport));
        const endpoint = router.lastEndpoint!;
        const dealer = sockets.make(staying, "DEALER", { routingId: "dealer-1" });
        dealer.connect(endpoint);
        await dealer.send("before");
        expect(text(await router.receive())).toEqual(["dealer-1", "before"]);

        sockets.close(router);
        const again = sockets.make(restarting, "ROUTER");
        await rebind(again, endpoint);
        const first = await pollUntil(again.receive(), () => dealer.send("probe"), "the reconnect");
        expect(text(first)).toEqual(["dealer-1", "probe"]);
        await again.send(["dealer-1", "reply"]);
        expect(text(await dealer.receive())).toEqual(["reply"]);
      });
    }
  });
}
