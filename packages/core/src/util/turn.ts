/**
 * Turns of the event loop, counted: code that bounds its work "per turn"
 * (the engine's read budget) compares {@link currentTurn} with the turn it
 * last worked in. One `setImmediate` per turn in which someone asked, shared
 * by every caller, advances the count.
 */
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
