/**
 * Routing ids across the wire (RFC 37 §"Identity" property, RFC 28): ids a
 * ROUTER generates for anonymous peers, and a peer that comes back under
 * the same id after restarting.
 */
import { afterEach, describe, expect, test } from "vitest";
import { Sockets, link, pollUntil, text, type Lib, type Transport } from "./helpers.js";

const sockets = new Sockets();
afterEach(() => sockets.closeAll());

const TRANSPORTS: Transport[] = ["tcp", "ipc"];

for (const [routerLib, dealerLib] of [
  ["skein", "libzmq"],
  ["libzmq", "skein"],
] as Array<[Lib, Lib]>) {
  describe(`${routerLib} ROUTER with ${dealerLib} DEALER peers`, () => {
    for (const transport of TRANSPORTS) {
      test(`anonymous peers get distinct generated ids that route replies back, over ${transport}`, async () => {
        const router = sockets.make(routerLib, "ROUTER");
        const first = sockets.make(dealerLib, "DEALER");
        const second = sockets.make(dealerLib, "DEALER");
        await link(router, first, transport);
        second.connect(router.lastEndpoint!);
        await first.send("from-first");
        await second.send("from-second");
        const got = [await router.receive(), await router.receive()];
        const byBody = new Map(got.map((m) => [m[1]!.toString(), m[0]!]));
        const firstId = byBody.get("from-first")!;
        const secondId = byBody.get("from-second")!;
        expect(firstId.length).toBeGreaterThan(0);
        // libzmq and skein both make 5-octet ids starting with a zero octet (RFC 28 reserves those).
        expect(firstId[0]).toBe(0);
        expect(firstId.equals(secondId)).toBe(false);
        await router.send([secondId, "to-second"]);
        await router.send([firstId, "to-first"]);
        expect(text(await first.receive())).toEqual(["to-first"]);
        expect(text(await second.receive())).toEqual(["to-second"]);
      });

      test(`a DEALER that restarts under the same routing id is routed to again, over ${transport}`, async () => {
        const router = sockets.make(routerLib, "ROUTER", { mandatory: true });
        const dealer = sockets.make(dealerLib, "DEALER", { routingId: "worker" });
        const endpoint = await link(router, dealer, transport);
        await dealer.send("hello");
        expect(text(await router.receive())).toEqual(["worker", "hello"]);

        sockets.close(dealer);
        const again = sockets.make(dealerLib, "DEALER", { routingId: "worker" });
        again.connect(endpoint);
        // The ROUTER takes the new connection once it has seen the old one go (no handover needed).
        const hello = await pollUntil(router.receive(), () => again.send("hello-again"), "the restarted DEALER");
        expect(text(hello)).toEqual(["worker", "hello-again"]);
        await router.send(["worker", "welcome back"]);
        expect(text(await again.receive())).toEqual(["welcome back"]);
      });
    }
  });
}
