/**
 * Peers that have not authenticated yet send metadata (RFC 37 §"The
 * Metadata") in NULL's READY and in PLAIN's INITIATE. A list of a
 * megabyte of tiny properties is refused at the 1025th property
 * (`ERR_ZMTP_INVALID_METADATA`) instead of costing seconds of CPU and a
 * property each; the process stays up, the heap comes back, fds are
 * released, and a good peer of the same socket is served throughout.
 */
import { describe, expect, it } from "vitest";
import { Context, Dealer, Router } from "../../src/index.js";
import { bindFresh, nextEvent, rawCommand, rawConnect, rawGreeting, socketScope, within } from "../helpers.js";
import { describeFootprint, footprint } from "./measure.js";

const open = socketScope();

/** `count` properties named with three letters, empty values: 8 octets each. */
function manyProperties(count: number): Buffer {
  const out = Buffer.alloc(count * 8);
  for (let i = 0; i < count; i++) {
    out[i * 8] = 3;
    out.write(String.fromCharCode(65 + (i % 26), 65 + (Math.floor(i / 26) % 26), 97 + (Math.floor(i / 676) % 26)), i * 8 + 1, "latin1");
  }
  return out;
}

const SOCKET_TYPE = Buffer.from([11, ...Buffer.from("Socket-Type"), 0, 0, 0, 6, ...Buffer.from("DEALER")]);

/** PLAIN HELLO (RFC 24) with the good credentials. */
const HELLO = Buffer.concat([Buffer.from([5]), Buffer.from("admin"), Buffer.from([6]), Buffer.from("secret")]);

describe.each(["tcp", "ipc"] as const)("metadata with too many properties (%s)", (transport) => {
  it.each(["NULL", "PLAIN"] as const)("in %s is refused at the 1025th property; a good peer is served throughout", async (mechanism) => {
    const context = new Context();
    open.defer(() => context.close());
    context.zapHandler = ({ credentials }) => ({ allow: credentials[1]?.toString() === "secret" });
    const plain = mechanism === "PLAIN";
    const server = open(new Router({ context, plainServer: plain, linger: 0 }));
    const address = await bindFresh(server, transport);
    const good = open(new Dealer({ context, linger: 0, ...(plain ? { plainUsername: "admin", plainPassword: "secret" } : {}) }));
    good.connect(address);
    await good.send("before");
    const [goodId] = await within(server.receive());

    // 180,000 properties: 1.4 MB in one command (under the 1.5 MiB a handshake command may have).
    const metadata = Buffer.concat([SOCKET_TYPE, manyProperties(180_000)]);
    const attempt = async (): Promise<void> => {
      const refused = nextEvent(server, "handshake:error:protocol", 20_000);
      const peer = await rawConnect(address);
      const opening = plain ? [rawCommand("HELLO", HELLO), rawCommand("INITIATE", metadata)] : [rawCommand("READY", metadata)];
      peer.stream.write(Buffer.concat([rawGreeting({ mechanism }), ...opening]));
      const { error } = await refused;
      expect(error?.code).toBe("ERR_ZMTP_INVALID_METADATA");
      expect(error?.detail ?? error?.message).toMatch(/More than 1024 metadata properties/);
      await within(peer.closed, 20_000, "the refused peer to be closed");
    };
    await attempt(); // warm-up
    const before = await footprint();
    for (let i = 0; i < 5; i++) await attempt();
    const after = await footprint();
    console.log(`handshake metadata ${mechanism} ${transport}: 5 READY/INITIATE of 180,000 properties: ${describeFootprint(before, after)}`);

    await good.send("after");
    const [sameId, body] = await within(server.receive());
    expect(sameId).toEqual(goodId);
    expect(body!.toString()).toBe("after");
    expect(after.heap - before.heap).toBeLessThan(1024 * 1024);
    expect(after.fds).toBeLessThanOrEqual(before.fds);
  }, 60_000);
});
