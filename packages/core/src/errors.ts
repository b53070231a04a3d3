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

const MESSAGES: Readonly<Record<string, string>> = Object.freeze({
  EAGAIN: "Resource temporarily unavailable",
  EINVAL: "Invalid argument",
  EFSM: "Operation cannot be accomplished in current state",
  ETERM: "Context was terminated",
  EHOSTUNREACH: "Host unreachable",
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  ENOENT: "No such file or directory",
  ECONNREFUSED: "Connection refused",
  ENOTSUP: "Operation not supported",
  EPROTONOSUPPORT: "Protocol not supported",
  ENOCOMPATPROTO: "The protocol is not compatible with the socket type",
  EMSGSIZE: "Message too long",
  EBUSY: "Device or resource busy",
  EPROTO: "Protocol error",
  ETIMEDOUT: "Connection timed out",
  ECONNRESET: "Connection reset by peer",
  EMFILE: "Too many open files",
  ENOTSOCK: "Socket operation on non-socket",
  EACCES: "Permission denied",
});

/** The message libzmq's `zmq_strerror` gives for a code, like `strerror(3)`. */
export function strerror(code: string): string {
  return MESSAGES[code] ?? code;
}

/**
 * The error class of skein. `code` is a POSIX-style name (`EAGAIN`, `EFSM`,
 * ...) or, for protocol and security failures, an `ERR_ZMTP_*` / `ERR_ZAP_*`
 * name as in the `zeromq` package.
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

  constructor(code: string, message?: string, address?: string, options?: { cause?: unknown }) {
    super(message ?? strerror(code), options);
    this.name = "ZmqError";
    this.code = code;
    this.errno = ERRNO[code] ?? 0;
    if (address !== undefined) this.address = address;
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
  constructor(code: string, message: string, address?: string) {
    super(code, message, address);
    this.name = "ProtocolError";
  }
}

/** A security handshake rejected by the peer or by the ZAP handler. */
export class AuthError extends ZmqError {
  constructor(message: string, status: 300 | 400 | 500 = 400, address?: string, options?: { cause?: unknown }) {
    super("EACCES", message, address, options);
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
