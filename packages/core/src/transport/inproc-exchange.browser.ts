/**
 * inproc-exchange.ts in a browser (core's package.json maps it here for the
 * `browser` field): a page is one thread as far as skein goes, so there is
 * no other thread to find inproc:// names in. inproc:// works within the
 * page; the notes of the rendezvous go nowhere.
 */
import type { ExchangeNote, NoteHandler } from "./inproc-exchange.js";

export type { ExchangeNote, NoteHandler } from "./inproc-exchange.js";

/** No other thread sends notes. */
export function listen(_onNote: NoteHandler, _beforeExit: () => void): void {}

/** No other thread reads notes. */
export function post(_note: ExchangeNote): void {}

/** The one thread's id. */
export const thisThread = 0;
