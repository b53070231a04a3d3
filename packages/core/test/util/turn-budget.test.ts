/**
 * The turn budget on its own (src/util/turn-budget.ts): operations that
 * complete at once may keep the event loop from turning for about
 * TURN_BUDGET_MS, counted from the loop's last turn. Busy-waits stand for
 * operations that take time; no assertion depends on how fast the machine is
 * (a busy-wait lasts at least what it says).
 */
import { expect, test } from "vitest";
import { TURN_BUDGET_MS, TURN_CHECK, nextTurn, spendTurn } from "../../src/util/turn-budget.js";

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** Spends operations until one must wait for a turn; false if none had to within `limit` checks. */
function spendUntilRefused(limit: number, workPerCheck: number): boolean {
  for (let check = 0; check < limit; check++) {
    busy(workPerCheck);
    for (let i = 0; i < TURN_CHECK; i++) if (!spendTurn()) return true;
  }
  return false;
}

test("a loop that never yields is made to wait for a turn once the budget is spent", () => {
  expect(spendUntilRefused(4, TURN_BUDGET_MS * 1.5)).toBe(true);
});

test("after a turn, the budget counts from that turn: the first check past it refuses", async () => {
  expect(spendUntilRefused(4, TURN_BUDGET_MS * 1.5)).toBe(true);
  await new Promise<void>((resolve) => nextTurn(resolve));
  // Right after the turn, with the budget spent since: no grace of another TURN_CHECK operations.
  busy(TURN_BUDGET_MS * 1.5);
  let refused = false;
  for (let i = 0; i < TURN_CHECK && !refused; i++) refused = !spendTurn();
  expect(refused).toBe(true);
});
