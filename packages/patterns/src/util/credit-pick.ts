/**
 * Choosing the worker for the next item or request, for the two credit-based
 * dispatchers ({@link WorkQueue}'s items, {@link Broker}'s requests).
 */

/** A worker as a credit-based dispatcher sees it. */
export interface CreditHolder {
  /** Items it can take now. */
  credit: number;
  /** When it was last sent one, as the dispatcher's send count (0: never). */
  lastSent: number;
}

/**
 * The worker with the most credit; among those with equal credit, the one
 * sent to least recently. Without the second rule the first worker to
 * register takes every item while the load is below one item per worker (a
 * worker acknowledges before the next arrives, so it always has the most
 * credit), and the others idle. Returns null when none has credit or all are
 * `excluded`.
 */
export function pickByCredit<W extends CreditHolder>(workers: Iterable<W>, excluded?: (worker: W) => boolean): W | null {
  let best: W | null = null;
  for (const w of workers) {
    if (w.credit <= 0 || (excluded !== undefined && excluded(w))) continue;
    if (best === null || w.credit > best.credit || (w.credit === best.credit && w.lastSent < best.lastSent)) best = w;
  }
  return best;
}
