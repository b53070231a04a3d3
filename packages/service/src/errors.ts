/**
 * Errors of the service layer: {@link RpcError} is what a call fails with (on
 * the wire, the `error` envelope's `ErrorPayload`); {@link ServiceSetupError}
 * is a mistake in decorators or configuration, thrown at start-up.
 */
import type { ErrorDetail } from "@skein/codec";

/**
 * Status codes of a failed call. The names and meanings follow gRPC's status
 * codes so that a reader who knows them knows these.
 */
export const RpcStatus = {
  /** The caller aborted the call (its `signal`). */
  CANCELLED: "CANCELLED",
  /** A handler threw something that is not an {@link RpcError}. */
  INTERNAL: "INTERNAL",
  /** The request could not be decoded or failed validation. */
  INVALID_ARGUMENT: "INVALID_ARGUMENT",
  /** The deadline passed before the reply arrived (client) or before the handler finished (server). */
  DEADLINE_EXCEEDED: "DEADLINE_EXCEEDED",
  /** The thing asked for does not exist. */
  NOT_FOUND: "NOT_FOUND",
  /** The caller is known but not allowed to make this call. */
  PERMISSION_DENIED: "PERMISSION_DENIED",
  /** The caller is not authenticated (no or unknown ZAP user id). */
  UNAUTHENTICATED: "UNAUTHENTICATED",
  /** The server is over a limit (concurrency, size). */
  RESOURCE_EXHAUSTED: "RESOURCE_EXHAUSTED",
  /** No handler for this service or method. */
  UNIMPLEMENTED: "UNIMPLEMENTED",
  /** No server answered, or the client or server is closed. */
  UNAVAILABLE: "UNAVAILABLE",
} as const;

/** One of the {@link RpcStatus} codes, or an application's own code string. */
export type RpcStatusCode = (typeof RpcStatus)[keyof typeof RpcStatus] | (string & {});

/**
 * A failed call. Thrown by a handler, it travels to the caller as an `error`
 * envelope and is rejected there as an `RpcError` with the same `code`,
 * `message` and `details`. Anything else a handler throws reaches the caller
 * as `INTERNAL`.
 *
 * @example
 * ```ts
 * throw new RpcError(RpcStatus.NOT_FOUND, `no order ${id}`);
 * ```
 */
export class RpcError extends Error {
  /** `"RpcError"`. */
  override readonly name = "RpcError";
  /** Machine-readable status, see {@link RpcStatus}. */
  readonly code: RpcStatusCode;
  /** Typed details (protobuf messages and their type names). */
  readonly details: ErrorDetail[];

  /**
   * @param code - a {@link RpcStatus} code or an application code
   * @param message - what went wrong, for a human
   * @param details - typed details sent along
   */
  constructor(code: RpcStatusCode, message: string, details: ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** Codes of {@link ServiceSetupError}. */
export const ServiceSetupErrorCode = {
  /** A decorator was used wrongly (e.g. `@Rpc` on a method the descriptor lacks). */
  INVALID_DECORATOR: "ERR_SERVICE_INVALID_DECORATOR",
  /** The app configuration is missing something it needs (e.g. an endpoint). */
  INVALID_CONFIG: "ERR_SERVICE_INVALID_CONFIG",
  /** The app was used in the wrong state (e.g. started twice). */
  INVALID_STATE: "ERR_SERVICE_INVALID_STATE",
} as const;

/** A mistake in decorators or app configuration, found at start-up. */
export class ServiceSetupError extends Error {
  /** `"ServiceSetupError"`. */
  override readonly name = "ServiceSetupError";
  /** One of {@link ServiceSetupErrorCode}. */
  readonly code: (typeof ServiceSetupErrorCode)[keyof typeof ServiceSetupErrorCode];

  constructor(code: ServiceSetupError["code"], message: string) {
    super(message);
    this.code = code;
  }
}
