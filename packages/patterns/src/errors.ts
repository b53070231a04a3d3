/**
 * The one error class of @skein/patterns. Every failure carries a POSIX-style
 * `code` (as core's errors do), so callers branch on `error.code`:
 *
 * - `ETIMEDOUT`: no reply / no acknowledgement in time (after all retries).
 * - `ECANCELED`: the caller's `AbortSignal` fired.
 * - `ECLOSED`: the pattern object was closed while the operation was pending.
 * - `EPROTO`: a peer sent frames that do not follow the pattern's protocol.
 * - `ESHUTDOWN`: the server was closing and refused the request (gRPC's UNAVAILABLE).
 * - `ENOTCONN`: no connection to any server was up while the request waited (gRPC's UNAVAILABLE).
 * - `ECONNRESET`: the connection to the server holding an open call (`RpcClient.open`) was lost mid-call (gRPC's UNAVAILABLE).
 * - `EINVAL`: bad arguments or options.
 * - `EDEADLETTER`: a work item failed on every attempt it was allowed.
 * - `EACTOR`: an actor thread failed (its error is the `cause`), or a pool handler threw.
 * - `EAGAIN`: an `ActorPool` has `maxQueued` calls waiting already.
 */
export class PatternError extends Error {
  /** POSIX-style code: `ETIMEDOUT`, `ECANCELED`, `ECLOSED`, `ESHUTDOWN`, `ENOTCONN`, `ECONNRESET`, `EPROTO`, `EINVAL`, `EDEADLETTER`, `EACTOR`, `EAGAIN`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PatternError";
    this.code = code;
  }
}

/** Throws `EINVAL` unless `value` is a finite number ≥ `min`. */
export function checkNumber(name: string, value: number | undefined, min: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new PatternError("EINVAL", `Option ${name} must be a number >= ${min}, got ${String(value)}`);
  }
}

/** Throws `EINVAL` unless `frames` is an array of Buffers. */
export function checkFrames(frames: unknown): asserts frames is Buffer[] {
  if (!Array.isArray(frames) || !frames.every((f) => f instanceof Uint8Array)) {
    throw new PatternError("EINVAL", "Frames must be an array of Buffers");
  }
}
