/** What a build of core supports, as the `zeromq` package reports it (`capability`). */
export type Capability = Partial<Record<"ipc" | "pgm" | "tipc" | "norm" | "curve" | "gssapi" | "draft", boolean>>;

/** The capability record of an entry: the same for every entry but ipc://, which a browser has not. */
export function capabilityOf(ipc: boolean): Capability {
  return Object.freeze({ ipc, pgm: false, tipc: false, norm: false, curve: true, gssapi: false, draft: true });
}
