/**
 * Fairness: the engine decodes at most FRAMES_PER_TURN frames from one peer
 * per turn of the event loop, so a peer whose one read holds thousands of
 * messages cannot keep the loop from the other peers. Timing is not asserted
 * (the latency figures of the other hostile tests go to docs/reliability.md);
 * this checks the turns themselves.
 */
import { describe, expect, it } from "vitest";
import { Pull } from "../../src/index.js";
import { FRAMES_PER_TURN } from "../../src/util/turn.js";
import { nextEvent, socketScope, within } from "../helpers.js";
import { HOSTILE_TRANSPORTS, HostilePeer, bindHostile, block } from "./peers.js";

const open = socketScope();
const MESSAGES = 20 * FRAMES_PER_TURN;

describe.each(HOSTILE_TRANSPORTS)("A PULL over %s, flooded in one write", (transport) => {
  it("decodes a peer's flood over many turns of the event loop, a frame budget per turn", async () => {
    // No high-water mark: only the frame budget can make the engine stop and yield.
    const pull = open(new Pull({ receiveHighWaterMark: 0 }));
    const address = await bindHostile(pull, transport);
    const attacker = await HostilePeer.connect(address, transport);
    const handshaken = nextEvent(pull, "handshake");
    await attacker.write(attacker.handshake());
    await handshaken;
    const unit = attacker.frame(0, Buffer.from("x"));
    let turns = 0;
    let counting = true;
    const count = (): void => {
      turns++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    await attacker.write(block(unit, unit.length * MESSAGES));
    for (let i = 0; i < MESSAGES; i++) await within(pull.receive());
    counting = false;
    expect(turns).toBeGreaterThanOrEqual(MESSAGES / FRAMES_PER_TURN - 1);
    attacker.destroy();
  });
});

describe("A PULL over ws, sent a message in many WebSocket fragments in one write", () => {
  it("decodes the fragments over many turns of the event loop, a frame budget per turn", async () => {
    const pull = open(new Pull());
    const address = await bindHostile(pull, "ws");
    const attacker = await HostilePeer.connect(address, "ws");
    const handshaken = nextEvent(pull, "handshake");
    await attacker.write(attacker.handshake());
    await handshaken;
    // RFC 6455 §5.4: the ZWS flags octet (no MORE) opens the message, one-octet continuations follow, FIN ends it.
    const first = Buffer.from([0x02, 0x80 | 1, 0, 0, 0, 0, 0x00]);
    const continuation = Buffer.from([0x00, 0x80 | 1, 0, 0, 0, 0, 0x61]);
    const last = Buffer.from([0x80, 0x80 | 1, 0, 0, 0, 0, 0x61]);
    let turns = 0;
    let counting = true;
    const count = (): void => {
      turns++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    await attacker.write(Buffer.concat([first, block(continuation, continuation.length * (MESSAGES - 1)), last]));
    const [message] = await within(pull.receive(), 20_000);
    counting = false;
    expect(message!.length).toBe(MESSAGES);
    expect(turns).toBeGreaterThanOrEqual(MESSAGES / FRAMES_PER_TURN - 1);
    attacker.destroy();
  });
});
