/**
 * Turns of the event loop, counted: code that bounds its work "per turn"
 * (the engine's read budget) compares {@link currentTurn} with the turn it
 * last worked in. One `setImmediate` per turn in which someone asked, shared
 * by every caller, advances the count.
 */
import { setImmediate } from "./platform.js";

/**
 * Frames decoded from one peer per turn of the event loop (ZMTP frames by
 * the engine, WebSocket frames by the ws stream). A peer whose bytes hold
 * more waits for the next turn (its stream paused), so a flood from one peer
 * leaves the others a turn of their own. 1024 PING commands take about 2 ms
 * on a shared CI core.
 */
export const FRAMES_PER_TURN = 1024;

let turn = 0;
let advanceScheduled = false;

function advance(): void {
  advanceScheduled = false;
  turn++;
}

/** The number of the current event-loop turn. */
export function currentTurn(): number {
  if (!advanceScheduled) {
    advanceScheduled = true;
    setImmediate(advance);
  }
  return turn;
}
