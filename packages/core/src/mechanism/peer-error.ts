/**
 * Errors shared by the PLAIN and CURVE handshakes: turning a peer's ERROR
 * command into a typed error, and keeping anything thrown inside a mechanism
 * in the {@link ZmqError} family.
 */
import { AuthError, ProtocolError, ZmqError } from "../errors.js";
import { decodeErrorReason } from "../zmtp/commands.js";

/**
 * The error for an ERROR command received during a handshake (RFC 37
 * §"ERROR"). A reason of exactly three digits starting 3, 4 or 5 is a ZAP
 * status code (RFC 27), as libzmq sends it when its ZAP handler denies us:
 * that becomes an {@link AuthError} carrying the status.
 */
export function errorFromPeer(mechanism: string, data: Buffer): ZmqError {
  const reason = decodeErrorReason(data);
  if (/^[345]\d\d$/.test(reason)) {
    const status = (Number(reason[0]) * 100) as 300 | 400 | 500;
    return new AuthError(`The peer rejected our ${mechanism} credentials (ZAP status ${reason})`, status);
  }
  return new ProtocolError("ERR_ZMTP_UNSPECIFIED", `The peer rejected the ${mechanism} handshake: ${reason}`);
}

/**
 * The reason an ERROR command tells a peer whose handshake we refuse, or
 * `null` to close without ERROR. A peer learns what libzmq 4.3 would tell it
 * and nothing about our configuration: the ZAP status code ("400", "500")
 * when the ZAP handler refused it; nothing for a temporary failure (300: RFC
 * 26 and libzmq disconnect silently) or for any other failure (a malformed
 * command, a box that does not open, a missing handler, a timeout). The
 * detailed error stays local, in the monitor event.
 */
export function errorReasonForPeer(error: ZmqError): string | null {
  if (!(error instanceof AuthError)) return null;
  const status = error.status ?? 400;
  return status === 400 || status === 500 ? String(status) : null;
}

/** Wraps an unexpected throwable so it can go to `handshakeFailed`. */
export function asZmqError(error: unknown): ZmqError {
  if (error instanceof ZmqError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProtocolError("ERR_ZMTP_UNSPECIFIED", `Security handshake failed: ${message}`);
}

/** ZAP status codes (RFC 27 §"Reply") as the numbers {@link AuthError} takes. */
export function zapStatus(statusCode: string): 300 | 400 | 500 {
  return statusCode === "300" ? 300 : statusCode === "500" ? 500 : 400;
}
