/**
 * The implementations a benchmark can run against, all behind the `zeromq`
 * v6 API shape so each worker is written once.
 */

/** Implementations of the common API. `raw-bare` is not one: it has its own hand-written workers. */
export type ApiImpl = "skein" | "zeromq" | "raw-async";

/**
 * Every implementation a case can list: the service cases add the RPC frameworks (see
 * `service/contract.ts`), the actor cases their baselines (`postMessage`, `nact`).
 */
export type Impl = ApiImpl | "raw-bare" | "grpc-js" | "nestjs" | "moleculer" | "postMessage" | "nact";

/** The subset of a `zeromq` v6 socket the workers use. */
export interface BenchSocket {
  lastEndpoint: string | null;
  bind(endpoint: string): Promise<void>;
  connect(endpoint: string): void;
  send(message: Buffer | Buffer[]): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
  [Symbol.asyncIterator](): AsyncIterator<Buffer[]>;
}

/** SUB adds `subscribe`. */
export interface BenchSubscriber extends BenchSocket {
  subscribe(...topics: Array<Buffer | string>): void;
}

/** Socket options the workers set, named as in `zeromq` v6. */
export interface BenchSocketOptions {
  sendHighWaterMark?: number;
  receiveHighWaterMark?: number;
  linger?: number;
  curveServer?: boolean;
  curveSecretKey?: string | Buffer;
  curvePublicKey?: string | Buffer;
  curveServerKey?: string | Buffer;
}

type Ctor<T> = new (options?: BenchSocketOptions) => T;

/** The module-level API: one constructor per socket type. */
export interface BenchLibrary {
  Push: Ctor<BenchSocket>;
  Pull: Ctor<BenchSocket>;
  Request: Ctor<BenchSocket>;
  Reply: Ctor<BenchSocket>;
  Publisher: Ctor<BenchSocket>;
  Subscriber: Ctor<BenchSubscriber>;
  Router: Ctor<BenchSocket>;
  Dealer: Ctor<BenchSocket>;
  /** Present when the library can make CURVE key pairs (zeromq, skein once it has CURVE). */
  curveKeyPair?: () => { publicKey: string; secretKey: string };
}

/** Thrown when an implementation cannot run a case (skein not built yet, no CURVE, ...). */
export class ImplUnavailableError extends Error {
  readonly code = "BENCH_IMPL_UNAVAILABLE";
}

const REQUIRED = ["Push", "Pull", "Request", "Reply", "Publisher", "Subscriber", "Router", "Dealer"] as const;

/**
 * Loads an implementation. The specifiers are held in variables so the bench
 * package compiles whatever `@skein/core` exports today.
 */
export async function loadLibrary(impl: Impl): Promise<BenchLibrary> {
  let module: Record<string, unknown>;
  if (impl !== "skein" && impl !== "zeromq" && impl !== "raw-async") {
    // raw-bare has workers of its own; the RPC frameworks run the service cases only.
    throw new ImplUnavailableError(`${impl} has no ZeroMQ socket API`);
  }
  if (impl === "raw-async") {
    module = (await import("./raw/raw-socket-types.js")) as unknown as Record<string, unknown>;
  } else {
    const specifier = impl === "skein" ? "@skein/core" : "zeromq";
    module = (await import(specifier)) as Record<string, unknown>;
  }
  const missing = REQUIRED.filter((name) => typeof module[name] !== "function");
  if (missing.length > 0) {
    throw new ImplUnavailableError(`${impl} does not export ${missing.join(", ")} yet`);
  }
  return module as unknown as BenchLibrary;
}
