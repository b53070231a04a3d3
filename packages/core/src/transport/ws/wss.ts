/**
 * The wss:// transport: ZWS 2.0 (RFC 45) over TLS, `wss://host:port/path`.
 * Each connection starts a TLS session (`node:tls`) and then runs the ws://
 * transport on it unchanged: the HTTP upgrade, then ZMTP frames as
 * WebSocket messages. One `handshakeInterval` deadline covers the TLS
 * handshake, the upgrade and the ZMTP handshake together.
 *
 * Options, named as libzmq's `ZMQ_WSS_*`:
 * - bind: `wssCertPem` and `wssKeyPem`, the server's certificate (chain) and
 *   private key, both required;
 * - connect: `wssTrustPem`, the certificates (CAs or the server's own) to
 *   trust, and/or `wssTrustSystem` for the system's CAs (default false, as
 *   libzmq); `wssHostname`, the name the certificate must carry (default:
 *   the host of the endpoint).
 *
 * A failed TLS handshake (untrusted certificate, wrong host name, not TLS)
 * drops that connection alone, reported as a {@link TlsError}.
 */
import { isIP, type Socket as NetSocket } from "node:net";
import type { SecureContext, SecureContextOptions } from "node:tls";
import { TlsError, ZmqError, toZmqError } from "../../errors.js";
import type { StreamConnecter, StreamHost, StreamListener } from "../stream.js";
import { bindWs, connectWs, zwsTransport, type WsSecurity } from "./ws.js";
import { lazyRequire } from "../../util/lazy-require.js";

/** node:tls, required by the first wss:// bind or connect (util/lazy-require.ts). */
const tls = lazyRequire<typeof import("node:tls")>("node:tls");

/** OpenSSL's and Node's codes for a certificate that does not name the host. */
const HOSTNAME_CODES = new Set(["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH", "IP_ADDRESS_MISMATCH"]);
/** OpenSSL's verify codes: the certificate chain is not trusted (or not valid now). */
const UNTRUSTED_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_SIGNATURE_FAILURE",
  "INVALID_CA",
]);

/** Names a failure of a wss:// connection before its WebSocket upgrade. */
export function describeTlsError(error: NodeJS.ErrnoException, endpoint: string): ZmqError {
  const code = error.code ?? "";
  if (HOSTNAME_CODES.has(code)) {
    return new TlsError("ERR_TLS_CERT_HOSTNAME", `TLS: the server's certificate does not name this host (${error.message}); connect to a name it carries or set wssHostname`, code, endpoint);
  }
  if (UNTRUSTED_CODES.has(code)) {
    return new TlsError("ERR_TLS_CERT_UNTRUSTED", `TLS: the server's certificate is not trusted (${error.message}); trust its CA with wssTrustPem, or wssTrustSystem for a public CA`, code, endpoint);
  }
  // Errors of the connection itself (ECONNRESET...) keep their errno code.
  if (/^E[A-Z]+$/.test(code)) return toZmqError(error, endpoint);
  return new TlsError("ERR_TLS_HANDSHAKE", `TLS handshake failed: ${error.message}`, code === "" ? "UNKNOWN" : code, endpoint);
}

function pemOption(host: StreamHost, name: string): string | null {
  const value = host.option<string | Buffer | null>(name);
  return value === null || value === undefined ? null : value.toString();
}

function secureContext(options: SecureContextOptions, address: string, what: string): SecureContext {
  try {
    return tls().createSecureContext(options);
  } catch (error) {
    throw new ZmqError("EINVAL", `wss:// ${what} is not usable: ${(error as Error).message}`, address);
  }
}

/** The TLS server side of a bound wss:// endpoint: certificate and key from the socket's options. */
function serverSecurity(host: StreamHost, address: string): WsSecurity {
  const cert = pemOption(host, "wssCertPem");
  const key = pemOption(host, "wssKeyPem");
  if (cert === null || key === null) {
    throw new ZmqError("EINVAL", "Binding wss:// needs a certificate and its private key: set wssCertPem and wssKeyPem (PEM text)", address);
  }
  const context = secureContext({ cert, key }, address, "wssCertPem/wssKeyPem");
  return {
    scheme: "wss",
    secure: (stream: NetSocket) => new (tls().TLSSocket)(stream, { isServer: true, secureContext: context }),
    describeError: describeTlsError,
  };
}

/** The TLS client side of a connected wss:// endpoint: whom to trust and which name to expect. */
function clientSecurity(host: StreamHost, address: string, hostName: string): WsSecurity {
  const trustPem = pemOption(host, "wssTrustPem");
  const trustSystem = host.option<boolean>("wssTrustSystem");
  const ca: string[] = trustSystem ? [...tls().rootCertificates] : [];
  if (trustPem !== null) ca.push(trustPem);
  // An empty list trusts nothing: every certificate fails with ERR_TLS_CERT_UNTRUSTED, as libzmq.
  const context = secureContext({ ca }, address, "wssTrustPem");
  const expected = pemOption(host, "wssHostname") ?? hostName;
  // RFC 6066 §3: SNI carries DNS names only.
  const servername = isIP(expected) === 0 ? expected : undefined;
  return {
    scheme: "wss",
    secure: (stream: NetSocket) =>
      tls().connect({
        socket: stream,
        secureContext: context,
        servername,
        rejectUnauthorized: true,
        checkServerIdentity: (_name, certificate) => tls().checkServerIdentity(expected, certificate),
      }),
    describeError: describeTlsError,
  };
}

export async function bindWss(host: StreamHost, address: string, hostName: string, port: number, path: string): Promise<StreamListener> {
  return await bindWs(host, address, hostName, port, path, serverSecurity(host, address));
}

export function connectWss(host: StreamHost, address: string, hostName: string, port: number, path: string, routingId: Buffer | null): StreamConnecter {
  return connectWs(host, address, hostName, port, path, routingId, clientSecurity(host, address, hostName));
}

/** wss:// in the transport table (registered by the Node entry). */
export const wss = zwsTransport("wss", bindWss, connectWss);
