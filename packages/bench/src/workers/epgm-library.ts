/**
 * The sockets the epgm:// workers use, from `@skein/core` or the `zeromq`
 * package: XPUB with `noDrop` (so a sender paced by `rate` makes `send()`
 * wait instead of dropping at the high-water mark) and SUB. An
 * implementation whose `capability.pgm` is false cannot run the case: the
 * `zeromq` package's prebuilt libzmq is built without OpenPGM.
 */
import { ImplUnavailableError, type BenchSocket, type BenchSubscriber, type Impl } from "../library.js";
import type { PgmStatistics } from "@skein/core";

/** Options the epgm workers set, named as in `zeromq` v6. */
export interface EpgmSocketOptions {
  linger?: number;
  rate?: number;
  recoveryInterval?: number;
  noDrop?: boolean;
  sendHighWaterMark?: number;
  receiveHighWaterMark?: number;
}

/** A socket with skein's epgm counters, when the implementation has them. */
export interface EpgmSocket extends BenchSocket {
  readonly pgmStatistics?: Readonly<PgmStatistics>;
}

export interface EpgmLibrary {
  XPublisher: new (options?: EpgmSocketOptions) => EpgmSocket;
  Subscriber: new (options?: EpgmSocketOptions) => BenchSubscriber & EpgmSocket;
}

/** Loads `impl`'s XPUB and SUB, or throws {@link ImplUnavailableError} saying why it has no epgm://. */
export async function loadEpgmLibrary(impl: Impl): Promise<EpgmLibrary> {
  if (impl !== "skein" && impl !== "zeromq") throw new ImplUnavailableError(`${impl} has no epgm:// transport`);
  const specifier = impl === "skein" ? "@skein/core" : "zeromq";
  const module = (await import(specifier)) as { capability?: { pgm?: boolean }; version?: string } & EpgmLibrary;
  if (module.capability?.pgm !== true) {
    const version = module.version === undefined ? "" : ` ${module.version}`;
    throw new ImplUnavailableError(`${specifier}'s libzmq${version} is built without OpenPGM (capability.pgm is false): no epgm://`);
  }
  return module;
}
