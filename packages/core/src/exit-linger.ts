/**
 * Queued messages when the process runs out of work, as the `zeromq` package
 * handles them. A `zeromq` program may send and simply end, without closing
 * its sockets: at exit it closes them and terminates their contexts, and that
 * waits until queued messages are sent or `linger` ends. skein does the same
 * when Node's event loop runs out of work (`beforeExit`): every open socket
 * that still has messages queued for a peer, and a `linger` other than 0, is
 * closed, so its messages go out within `linger` (-1: until sent) before the
 * process ends, including those waiting for a peer that has not connected
 * yet. A socket with nothing queued is left as it is and holds nothing.
 *
 * If the wait is longer than {@link EXIT_WARNING_MS}, the warning `zeromq`
 * prints then is printed, with its text, through `process.emitWarning`.
 */
import { unrefTimer } from "./util/platform.js";

/** What the exit hook needs of a socket. */
export interface ExitSocket {
  /**
   * Closes the socket if messages wait for peers and its linger lets them
   * be sent; then returns what counts those still queued, else null.
   */
  closeAtExit(): (() => number) | null;
}

/** What the exit hook needs of a context. */
export interface ExitContext {
  readonly blocky: boolean;
  openSockets(): Iterable<ExitSocket>;
}

/** How long the process may wait for queued messages before the warning (`zeromq`'s 500 ms). */
export const EXIT_WARNING_MS = 500;

/** The warning's text, `zeromq`'s; with a blocky context it says how to exit without waiting. */
export function exitWarningText(blocky: boolean): string {
  return `Waiting for queued ZeroMQ messages to be delivered.${blocky ? " Set 'context.blocky = false' to change this behaviour." : ""}`;
}

type ProcessLike = {
  on?: (event: string, listener: () => void) => unknown;
  emitWarning?: (message: string, type?: string) => void;
};

const contexts = new Set<WeakRef<ExitContext>>();
let installed = false;

/**
 * Watches `context`'s sockets at exit. The context is held weakly: a context
 * nobody holds (with no socket left, as each socket holds its context) goes.
 */
export function watchAtExit(context: ExitContext): void {
  const processLike = (globalThis as { process?: ProcessLike }).process;
  if (typeof processLike?.on !== "function") return;
  contexts.add(new WeakRef(context));
  if (installed) return;
  installed = true;
  processLike.on("beforeExit", lingerAtExit);
}

/** `beforeExit`: closes the sockets whose queued messages should still go out. */
function lingerAtExit(): void {
  const queued: Array<() => number> = [];
  let blocky = false;
  for (const ref of contexts) {
    const context = ref.deref();
    if (context === undefined) {
      contexts.delete(ref);
      continue;
    }
    for (const socket of [...context.openSockets()]) {
      const count = socket.closeAtExit();
      if (count === null) continue;
      queued.push(count);
      if (context.blocky) blocky = true;
    }
  }
  if (queued.length === 0) return;
  // Unref'd: the lingering pipes hold the process, and once they are done this timer must not.
  const timer = setTimeout(() => {
    if (!queued.some((count) => count() > 0)) return;
    const processLike = (globalThis as { process?: ProcessLike }).process;
    processLike?.emitWarning?.(exitWarningText(blocky), "WARNING");
  }, EXIT_WARNING_MS);
  unrefTimer(timer);
}
