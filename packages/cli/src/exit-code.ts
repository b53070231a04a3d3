/**
 * Exit codes of the `skein` command, and the errors that map to them
 * (documented in the package README: scripts may rely on them).
 */

/** The process exit code of each outcome. */
export const ExitCode = {
  /** Done: sent, received, called, or stopped by Ctrl-C / SIGTERM. */
  OK: 0,
  /** Something failed at run time (a socket error, a service that cannot be described...): printed. */
  ERROR: 1,
  /** The command line is wrong: the message and the command's usage are printed. */
  USAGE: 2,
  /** `--timeout` ran out before the command was done. */
  TIMEOUT: 3,
  /** The remote service answered with an error (`skein call`): its code and message are printed. */
  REMOTE: 4,
  /** No server could take the call (`skein call`: none connected before the deadline, or it is shutting down): `UNAVAILABLE`. */
  UNAVAILABLE: 5,
} as const;

/** One of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  /** Always `"ERR_SKEIN_USAGE"`. */
  readonly code = "ERR_SKEIN_USAGE";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** `--timeout` ran out: exit code 3. */
export class TimeoutError extends Error {
  /** Always `"ETIMEDOUT"`. */
  readonly code = "ETIMEDOUT";
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** The remote side answered with an error (`status` is its code, e.g. `INVALID_ARGUMENT`): exit code 4. */
export class RemoteError extends Error {
  /** Always `"ERR_SKEIN_REMOTE"`. */
  readonly code = "ERR_SKEIN_REMOTE";
  /** The remote error code, e.g. an `RpcStatus` of `@skein/service`. */
  readonly status: string;
  constructor(status: string, message: string) {
    super(message);
    this.name = "RemoteError";
    this.status = status;
  }
}

/** No server could take the call (`UNAVAILABLE`: none reached before the deadline, or one shutting down): exit code 5. */
export class UnavailableError extends RemoteError {
  constructor(message: string) {
    super("UNAVAILABLE", message);
    this.name = "UnavailableError";
  }
}
