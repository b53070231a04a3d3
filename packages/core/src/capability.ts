/** What a build of core supports, as the `zeromq` package reports it (`capability`). */
export type Capability = Partial<Record<"ipc" | "pgm" | "tipc" | "norm" | "curve" | "gssapi" | "draft", boolean>>;

/**
 * The capability record of an entry: the same for every entry but ipc:// and
 * pgm (epgm://, as libzmq's `zmq_has("pgm")` means; pgm:// itself is refused),
 * which a browser has not: both follow `node`.
 */
export function capabilityOf(node: boolean): Capability {
  return Object.freeze({ ipc: node, pgm: node, tipc: false, norm: false, curve: true, gssapi: false, draft: true });
}
