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
import { socketScope, within } from "../helpers.js";
import { HOSTILE_TRANSPORTS, bindHostile, block, fragment, handshaken } from "./peers.js";

const open = socketScope();
const MESSAGES = 20 * FRAMES_PER_TURN;

/** Counts turns of the event loop from now; the function returned stops counting and says how many. */
function countTurns(): () => number {
  let turns = 0;
  let counting = true;
  const count = (): void => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  return () => {
    counting = false;
    return turns;
  };
}

describe.each(HOSTILE_TRANSPORTS)("A PULL over %s, flooded in one write", (transport) => {
  it("decodes a peer's flood over many turns of the event loop, a frame budget per turn", async () => {
    // No high-water mark: only the frame budget can make the engine stop and yield.
    const pull = open(new Pull({ receiveHighWaterMark: 0 }));
    const address = await bindHostile(pull, transport);
    const attacker = await handshaken(pull, address, transport);
    const unit = attacker.frame(0, Buffer.from("x"));
    const turns = countTurns();
    await attacker.write(block(unit, unit.length * MESSAGES));
    for (let i = 0; i < MESSAGES; i++) await within(pull.receive());
    expect(turns()).toBeGreaterThanOrEqual(MESSAGES / FRAMES_PER_TURN - 1);
    attacker.destroy();
  });
});

describe("A PULL over ws, sent a message in many WebSocket fragments in one write", () => {
  it("decodes the fragments over many turns of the event loop, a frame budget per turn", async () => {
    const pull = open(new Pull());
    const address = await bindHostile(pull, "ws");
    const attacker = await handshaken(pull, address, "ws");
    // The ZWS flags octet (no MORE) opens the message, one-octet continuations follow, FIN ends it.
    const continuation = fragment(false, false, 0x61);
    const turns = countTurns();
    await attacker.write(Buffer.concat([fragment(true, false, 0), block(continuation, continuation.length * (MESSAGES - 1)), fragment(false, true, 0x61)]));
    const [message] = await within(pull.receive(), 20_000);
    expect(turns()).toBeGreaterThanOrEqual(MESSAGES / FRAMES_PER_TURN - 1);
    expect(message!.length).toBe(MESSAGES);
    attacker.destroy();
  });
});
