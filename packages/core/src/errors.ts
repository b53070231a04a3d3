/**
 * Errors raised by skein. Every failure carries a POSIX-style `code` (the
 * name libzmq uses, e.g. `EAGAIN`), the Linux `errno` number and, where an
 * endpoint is involved, the `address`: the same shape as the `zeromq` v6
 * package, so `err.code === "EAGAIN"` checks keep working.
 */

/** Linux errno numbers (and libzmq's own, above 156384712) by code. */
export const ERRNO: Readonly<Record<string, number>> = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EMFILE: 24,
  ENOSPC: 28,
  EPIPE: 32,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTSOCK: 88,
  EMSGSIZE: 90,
  EPROTO: 71,
  EPROTONOSUPPORT: 93,
  ENOTSUP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EINPROGRESS: 115,
  ECANCELED: 125,
  // libzmq-specific (ZMQ_HAUSNUMERO = 156384712)
  EFSM: 156384763,
  ENOCOMPATPROTO: 156384764,
  ETERM: 156384765,
  EMTHREAD: 156384766,
});

/**
 * The `message` the `zeromq` package gives for a code: libzmq's `zmq_strerror`
 * (the C library's text for system codes, on Linux), with the few texts the
 * package rewrites (`EAGAIN`, `ENOENT`, `EBUSY`, `EBADF`, `EFAULT`, `EMFILE`).
 * Code in the wild compares these strings, so they are kept verbatim.
 */
const MESSAGES: Readonly<Record<string, string>> = Object.freeze({
  EPERM: "Operation not permitted",
  ENOENT: "No such endpoint",
  EINTR: "Interrupted system call",
  EIO: "Input/output error",
  EBADF: "Socket is closed",
  EAGAIN: "Operation was not possible or timed out",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EFAULT: "Context is closed",
  EBUSY: "Socket is busy",
  EEXIST: "File exists",
  ENODEV: "No such device",
  EINVAL: "Invalid argument",
  EMFILE: "Too many open file descriptors",
  ENOSPC: "No space left on device",
  EPIPE: "Broken pipe",
  ENAMETOOLONG: "File name too long",
  ENOSYS: "Function not implemented",
  ENOTSOCK: "Socket operation on non-socket",
  EMSGSIZE: "Message too long",
  EPROTO: "Protocol error",
  EPROTONOSUPPORT: "Protocol not supported",
  ENOTSUP: "Operation not supported",
  EAFNOSUPPORT: "Address family not supported by protocol",
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  ENETDOWN: "Network is down",
  ENETUNREACH: "Network is unreachable",
  ECONNABORTED: "Software caused connection abort",
  ECONNRESET: "Connection reset by peer",
  ENOBUFS: "No buffer space available",
  ENOTCONN: "Transport endpoint is not connected",
  ETIMEDOUT: "Connection timed out",
  ECONNREFUSED: "Connection refused",
  EHOSTUNREACH: "Host unreachable",
  EINPROGRESS: "Operation now in progress",
  EFSM: "Operation cannot be accomplished in current state",
  ENOCOMPATPROTO: "The protocol is not compatible with the socket type",
  ETERM: "Context was terminated",
  EMTHREAD: "No thread available",
});

/** Texts the `zeromq` package uses in place of {@link strerror} for some `EBUSY` and `EINVAL` cases. */
export const ZEROMQ_MESSAGE = Object.freeze({
  /** `EBUSY`: bind, unbind, connect, send... while a bind or unbind is in progress. */
  blocked: "Socket is blocked by a bind or unbind operation",
  /** `EBUSY`: a second `send()` while one is pending. */
  busyWriting: "Socket is busy writing; only one send operation may be in progress at any time",
  /** `EBUSY`: a second `receive()` while one is pending. */
  busyReading: "Socket is busy reading; only one receive operation may be in progress at any time",
  /** `EBUSY`: a second `receive()` on an observer while one is pending. */
  observerBusyReading: "Observer is busy reading; only one receive operation may be in progress at any time",
  /** `EBUSY`: `events.receive()` or `for await` on an observer after `events.on()`/`off()`. */
  observerEmitterMode:
    "Observer is in event emitter mode. After a call to events.on() it is not possible to read events with events.receive().",
  /** `EINVAL`: `Proxy.run()` with a front-end that has no endpoint. */
  frontEndUnattached: "Front-end socket must be bound or connected",
  /** `EINVAL`: `Proxy.run()` with a back-end that has no endpoint. */
  backEndUnattached: "Back-end socket must be bound or connected",
});

/** The message the `zeromq` package gives for a code (libzmq's `zmq_strerror`, as it rewrites it). */
export function strerror(code: string): string {
  return MESSAGES[code] ?? code;
}

/**
 * The error class of skein. `code` is a POSIX-style name (`EAGAIN`, `EFSM`,
 * ...) or, for protocol and security failures, an `ERR_ZMTP_*` / `ERR_ZAP_*`
 * name as in the `zeromq` package.
 *
 * `message` is the text the `zeromq` package gives for the same failure
 * (`"Invalid argument"`, `"No such endpoint"`, `"Socket is closed"`...), so
 * code that compares messages keeps working after the import change; skein's
 * own explanation of what went wrong and what to do is in `detail`, which
 * Node prints with an uncaught error.
 *
 * ```ts
 * try { await socket.bind("localhost:5555") } catch (e) {
 *   e.message // "Invalid argument" (as zeromq)
 *   e.detail  // 'Invalid address "localhost:5555": expected transport://address'
 * }
 * ```
 */
export class ZmqError extends Error {
  /** POSIX-style code, e.g. `"EAGAIN"`. */
  readonly code: string;
  /** Linux errno for `code`, or 0 where it has none (protocol errors). */
  readonly errno: number;
  /** The endpoint involved, when there is one. */
  address?: string;
  /** ZAP status code for authentication failures (300, 400, 500). */
  status?: number;
  /** skein's explanation of this failure, when it says more than `message`. */
  detail?: string;

  /**
   * @param code POSIX-style or `ERR_*` code.
   * @param detail skein's explanation; becomes `message` only for codes with no `zeromq` text.
   * @param address the endpoint involved.
   * @param options `cause`; `message` replaces the code's standard text (see `ZEROMQ_MESSAGE`).
   */
  constructor(code: string, detail?: string, address?: string, options?: { cause?: unknown; message?: string }) {
    const message = options?.message ?? MESSAGES[code] ?? detail ?? code;
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ZmqError";
    this.code = code;
    this.errno = ERRNO[code] ?? 0;
    if (address !== undefined) this.address = address;
    if (detail !== undefined && detail !== message) this.detail = detail;
  }
}

/** Alias: the house name for the same error family. */
export { ZmqError as SkeinError };

/** Shorthand used across the package to build a coded error. */
export function zmqError(code: string, message?: string, address?: string): ZmqError {
  return new ZmqError(code, message, address);
}

/**
 * A ZMTP protocol violation by a peer (bad greeting, malformed frame or
 * command, incompatible socket type). The peer is dropped; the socket goes on.
 * Codes follow the `zeromq` package: `ERR_ZMTP_*`.
 */
export class ProtocolError extends ZmqError {
  /** `message` is `"ZMTP protocol error"` or `"ZAP protocol error"` as in `zeromq`; `detail` says what the peer did. */
  constructor(code: string, detail: string, address?: string) {
    super(code, detail, address, { message: protocolMessage(code) ?? detail });
    this.name = "ProtocolError";
  }
}

function protocolMessage(code: string): string | undefined {
  if (code.startsWith("ERR_ZMTP_")) return "ZMTP protocol error";
  if (code.startsWith("ERR_ZAP_")) return "ZAP protocol error";
  return undefined;
}

const AUTH_MESSAGES = { 300: "Temporary error", 400: "Authentication failure", 500: "Internal error" } as const;

/** A security handshake rejected by the peer or by the ZAP handler. */
export class AuthError extends ZmqError {
  /** `message` is the `zeromq` text for the status ("Authentication failure" for 400); `detail` says why. */
  constructor(detail: string, status: 300 | 400 | 500 = 400, address?: string, options?: { cause?: unknown }) {
    super("EACCES", detail, address, { message: AUTH_MESSAGES[status], cause: options?.cause });
    this.name = "AuthError";
    this.status = status;
  }
}

/**
 * A TLS handshake of a wss:// connection that failed: the server's
 * certificate is not trusted (`ERR_TLS_CERT_UNTRUSTED`), does not name the
 * host connected to (`ERR_TLS_CERT_HOSTNAME`), or the TLS session could not
 * be set up at all (`ERR_TLS_HANDSHAKE`: not TLS, no common version or
 * cipher, an alert from the peer). `reason` keeps Node's or OpenSSL's own
 * code (`DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`, ...).
 * Only that connection is dropped, with a `handshake:error:protocol` event.
 */
export class TlsError extends ProtocolError {
  /** The code Node or OpenSSL gave the failure. */
  readonly reason: string;

  constructor(code: "ERR_TLS_CERT_UNTRUSTED" | "ERR_TLS_CERT_HOSTNAME" | "ERR_TLS_HANDSHAKE", message: string, reason: string, address?: string) {
    super(code, message, address);
    this.name = "TlsError";
    this.reason = reason;
  }
}

/** Maps a Node network error to a coded ZmqError. */
export function toZmqError(error: NodeJS.ErrnoException, address: string): ZmqError {
  const code = error.code !== undefined && /^E[A-Z]+$/.test(error.code) ? error.code : "EIO";
  return new ZmqError(code, error.message, address, { cause: error });
}
