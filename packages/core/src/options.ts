/**
 * Socket options: names, defaults and validation, as the `zeromq` v6 package
 * exposes them (properties on the socket, or the constructor's object).
 * Values are checked when set: a wrong type is a `TypeError`, a value out of
 * range a `RangeError` (with `code` `EINVAL`, as `zeromq`'s error has), and a
 * read-only or unknown option a `TypeError`. Messages are the `zeromq`
 * package's ("Option value must be a number"); skein's explanation is in `detail`.
 */

import { Buffer } from "./util/buffer.js";
import { ERRNO, ZmqError, strerror } from "./errors.js";

/** How a value is checked. */
export type OptionKind = "int" | "bool" | "string" | "binary" | "unsupported";

export interface OptionSpec {
  kind: OptionKind;
  default: unknown;
  min?: number;
  max?: number;
  /** For string options: accepted values. */
  values?: readonly (string | null)[];
  /** Options accepted for compatibility with no effect here (see docs/compat.md). */
  noEffect?: boolean;
}

const INT32_MAX = 2 ** 31 - 1;

/** Options every socket has. */
export const SOCKET_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  linger: { kind: "int", default: -1, min: -1 },
  sendHighWaterMark: { kind: "int", default: 1000, min: 0 },
  receiveHighWaterMark: { kind: "int", default: 1000, min: 0 },
  sendTimeout: { kind: "int", default: -1, min: -1 },
  receiveTimeout: { kind: "int", default: -1, min: -1 },
  reconnectInterval: { kind: "int", default: 100, min: -1 },
  reconnectMaxInterval: { kind: "int", default: 0, min: 0 },
  connectTimeout: { kind: "int", default: 0, min: 0 },
  handshakeInterval: { kind: "int", default: 30_000, min: 0 },
  heartbeatInterval: { kind: "int", default: 0, min: 0 },
  heartbeatTimeToLive: { kind: "int", default: 0, min: 0, max: 6_553_599 },
  heartbeatTimeout: { kind: "int", default: -1, min: -1 },
  backlog: { kind: "int", default: 100, min: 0 },
  maxMessageSize: { kind: "int", default: -1, min: -1, max: Number.MAX_SAFE_INTEGER },
  // skein: bounds on the message a peer is still sending (zmtp/message-limits.ts).
  maxIncompleteMessageSize: { kind: "int", default: 256 * 1024 * 1024, min: -1, max: Number.MAX_SAFE_INTEGER },
  maxMessageParts: { kind: "int", default: 65_536, min: -1 },
  // skein: octets a browser's WebSocket queues while the socket does not read (transport/ws/browser-websocket.ts).
  maxWebSocketQueueSize: { kind: "int", default: 16 * 1024 * 1024, min: -1, max: Number.MAX_SAFE_INTEGER },
  immediate: { kind: "bool", default: false },
  messageProperties: { kind: "bool", default: false },
  // One waiting send()/receive() as in zeromq (EBUSY beyond); 0 lets calls queue without limit.
  maxPendingSends: { kind: "int", default: 1, min: 0 },
  maxPendingReceives: { kind: "int", default: 1, min: 0 },
  ipv6: { kind: "bool", default: false },
  // skein: SWAP, spill beyond the send HWM to disk (swap.ts, docs/swap.md).
  swapDirectory: { kind: "string", default: null },
  swapMaxBytes: { kind: "int", default: 1024 * 1024 * 1024, min: 1, max: Number.MAX_SAFE_INTEGER },
  swapDurable: { kind: "bool", default: false },
  tcpKeepalive: { kind: "int", default: -1, min: -1, max: 1 },
  tcpKeepaliveCount: { kind: "int", default: -1, min: -1 },
  tcpKeepaliveIdle: { kind: "int", default: -1, min: -1 },
  tcpKeepaliveInterval: { kind: "int", default: -1, min: -1 },
  sendBufferSize: { kind: "int", default: -1, min: -1, noEffect: true },
  receiveBufferSize: { kind: "int", default: -1, min: -1, noEffect: true },
  plainServer: { kind: "bool", default: false },
  plainUsername: { kind: "string", default: null },
  plainPassword: { kind: "string", default: null },
  curveServer: { kind: "bool", default: false },
  curvePublicKey: { kind: "binary", default: null },
  curveSecretKey: { kind: "binary", default: null },
  curveServerKey: { kind: "binary", default: null },
  // ZMQ_WSS_*: TLS of wss:// endpoints (transport/ws/wss.ts). Not in zeromq v6, whose libzmq has no wss.
  wssKeyPem: { kind: "string", default: null },
  wssCertPem: { kind: "string", default: null },
  wssTrustPem: { kind: "string", default: null },
  wssHostname: { kind: "string", default: null },
  wssTrustSystem: { kind: "bool", default: false },
  zapDomain: { kind: "string", default: null },
  zapEnforceDomain: { kind: "bool", default: false },
  affinity: { kind: "int", default: 0, min: 0, max: 2 ** 64, noEffect: true },
  rate: { kind: "int", default: 100, min: 1 },
  recoveryInterval: { kind: "int", default: 10_000, min: 0 },
  repairRate: { kind: "int", default: -1, min: -1 },
  multicastHops: { kind: "int", default: 1, min: 1, max: 255 },
  multicastLoop: { kind: "bool", default: true },
  multicastMaxSources: { kind: "int", default: 64, min: 1 },
  typeOfService: { kind: "int", default: 0, min: 0, noEffect: true },
  tcpMaxRetransmitTimeout: { kind: "int", default: 0, min: 0, noEffect: true },
  tcpAcceptFilter: { kind: "string", default: null, noEffect: true },
  socksProxy: { kind: "string", default: null, noEffect: true },
  interface: { kind: "string", default: null, noEffect: true },
  loopbackFastPath: { kind: "bool", default: false, noEffect: true },
  multicastMaxTransportDataUnit: { kind: "int", default: 1500, min: 128, max: 65_535 },
  vmciBufferSize: { kind: "int", default: 0, min: 0, noEffect: true },
  vmciBufferMinSize: { kind: "int", default: 0, min: 0, noEffect: true },
  vmciBufferMaxSize: { kind: "int", default: 0, min: 0, noEffect: true },
  vmciConnectTimeout: { kind: "int", default: -1, min: -1, noEffect: true },
  // GSSAPI is a security mechanism: silently accepting it would leave a socket
  // unprotected that its author believes protected, so turning it on fails.
  gssapiServer: { kind: "unsupported", default: false },
  gssapiPlainText: { kind: "unsupported", default: false },
  gssapiPrincipal: { kind: "unsupported", default: null },
  gssapiServicePrincipal: { kind: "unsupported", default: null },
  gssapiPrincipalNameType: { kind: "unsupported", default: "hostBased" },
  gssapiServicePrincipalNameType: { kind: "unsupported", default: "hostBased" },
};

/**
 * Options that take effect at once when set on a bound or connected socket:
 * zeromq's list (libzmq 4.2+), plus skein's own that are read on each call.
 */
export const IMMEDIATE_OPTIONS: ReadonlySet<string> = new Set([
  "linger", "mandatory", "probeRouter", "verbosity", "correlate", "relaxed", "handover",
  "sendHighWaterMark", "receiveHighWaterMark", "sendTimeout", "receiveTimeout",
  "maxPendingSends", "maxPendingReceives", "messageProperties", "repairRate",
]);

/**
 * The options every socket has, as properties with the `zeromq` v6 names
 * (libzmq's `ZMQ_*` name in each): declared here for the type checker, next
 * to their specs in {@link SOCKET_OPTIONS}; `Socket` extends this interface
 * and `defineOptions` puts the accessors on its prototype.
 */
export interface SocketOptionProperties {
  /** How long `close()` keeps sending what is queued, in ms: -1 (default) as long as it takes, 0 drops it at once. `ZMQ_LINGER`. */
  linger: number;
  /** Most messages queued for one peer (default 1000; 0: no limit). When a peer's queue is full, PUB/XPUB drop, ROUTER drops (unless `mandatory`), the others make `send()` wait. `ZMQ_SNDHWM`. */
  sendHighWaterMark: number;
  /** Most messages received from one peer and not yet read (default 1000; 0: no limit); beyond it the socket stops reading that peer. `ZMQ_RCVHWM`. */
  receiveHighWaterMark: number;
  /** SWAP (skein; libzmq 2.x's `ZMQ_SWAP`): a directory, this socket's alone, where messages that find every pipe at its `sendHighWaterMark` are spilled instead of making `send()` wait; they are sent, in order and before newer ones, when a peer has room (default null: off). Set it before the first send. See docs/swap.md. */
  swapDirectory: string | null;
  /** Most bytes the swap keeps on disk (default 1 GiB); past it the socket's normal high-water-mark behaviour applies. */
  swapMaxBytes: number;
  /** fsync each spilled message before `send()` resolves and keep the spill across restarts: a new socket on the same `swapDirectory` sends it first (default false: the spill is deleted on close and at start). */
  swapDurable: boolean;
  /** How long `send()` may wait for room, in ms, before it rejects with `EAGAIN` (-1, the default: no limit; 0: do not wait). `ZMQ_SNDTIMEO`. */
  sendTimeout: number;
  /** How long `receive()` may wait, in ms, before it rejects with `EAGAIN` (-1, the default: no limit; 0: do not wait). `ZMQ_RCVTIMEO`. */
  receiveTimeout: number;
  /** Wait before reconnecting a lost or refused connection, in ms (default 100; -1: never reconnect). `ZMQ_RECONNECT_IVL`. */
  reconnectInterval: number;
  /** When above {@link reconnectInterval}, the wait doubles after each failed attempt up to this many ms (default 0: no back-off). `ZMQ_RECONNECT_IVL_MAX`. */
  reconnectMaxInterval: number;
  /** Give up a TCP connect attempt after this many ms and retry (default 0: the system's timeout). `ZMQ_CONNECT_TIMEOUT`. */
  connectTimeout: number;
  /** Drop a connection whose ZMTP handshake (greeting, security) is not done within this many ms (default 30000; 0: no limit). `ZMQ_HANDSHAKE_IVL`. */
  handshakeInterval: number;
  /** Send a ZMTP PING every this many ms (default 0: no heartbeats). `ZMQ_HEARTBEAT_IVL`. */
  heartbeatInterval: number;
  /** The time to live announced in PINGs, in ms, rounded down to tenths of a second (default 0: the peer uses its own timeout). `ZMQ_HEARTBEAT_TTL`. */
  heartbeatTimeToLive: number;
  /** Drop a connection when nothing arrives for this many ms after a PING (default -1: {@link heartbeatInterval}). `ZMQ_HEARTBEAT_TIMEOUT`. */
  heartbeatTimeout: number;
  /** Length of the queue of connections waiting to be accepted by a listener (default 100). `ZMQ_BACKLOG`. */
  backlog: number;
  /**
   * Largest message a peer may send, in octets, all its parts together (-1,
   * the default: no limit of yours, {@link maxIncompleteMessageSize} applies).
   * A peer that sends a larger one is dropped (`disconnect` event with an
   * `EMSGSIZE` error) and its partial message discarded. Until its handshake
   * completes a peer may send one frame of at most 1.5 MiB (the largest
   * handshake command, a CURVE INITIATE with 1 MiB of metadata, rounded up),
   * or of this limit when smaller.
   */
  maxMessageSize: number;
  /**
   * skein extension. Octets a message may reach while its parts arrive when
   * {@link maxMessageSize} is -1 (default 256 MiB; -1: no limit). Protects a
   * socket left at zeromq's default from a peer that never ends a message.
   * Before the handshake completes the 1.5 MiB handshake bound applies
   * instead (this limit when smaller), even with -1.
   */
  maxIncompleteMessageSize: number;
  /**
   * skein extension. Parts (frames) one message may have (default 65536; -1:
   * no limit). Each part costs heap whatever its size, so a peer sending
   * endless empty frames with MORE set is dropped with `EMSGSIZE` here.
   */
  maxMessageParts: number;
  /**
   * skein extension, browser entry only. Octets of messages a `ws://`/`wss://` connection made with the
   * WebSocket API may hold while the socket does not read them (its receive queue at
   * {@link receiveHighWaterMark}); default 16 MiB, -1: no limit. A WebSocket cannot stop reading, so
   * a peer cannot be slowed down as over TCP: past this bound the connection is dropped (`disconnect`
   * event with an `ENOBUFS` error, its queued messages discarded) and the socket reconnects. No
   * effect in Node, whose connections stop reading instead.
   */
  maxWebSocketQueueSize: number;
  /** Queue messages only for peers whose connection is complete, instead of also for peers still connecting (default false). `ZMQ_IMMEDIATE`. */
  immediate: boolean;
  /** Record each received message's sender for {@link messageProperties} (skein extension; default false). */
  messageProperties: boolean;
  /**
   * How many `send()` calls may wait at once (skein extension; default 1, 0: no limit). With the
   * default, a `send()` while another is still waiting rejects with `EBUSY`, as in `zeromq`.
   */
  maxPendingSends: number;
  /** How many `receive()` calls may wait at once (skein extension; default 1 as `zeromq`, 0: no limit). */
  maxPendingReceives: number;
  /** Allow IPv6 for `tcp://` and `ws://` endpoints (default false: IPv4 only). `ZMQ_IPV6`. */
  ipv6: boolean;
  /** TCP keep-alive: 1 on, 0 off, -1 (default) the system's setting. `ZMQ_TCP_KEEPALIVE`. */
  tcpKeepalive: number;
  /** Accepted for compatibility: Node cannot set the keep-alive probe count (default -1). `ZMQ_TCP_KEEPALIVE_CNT`. */
  tcpKeepaliveCount: number;
  /** Seconds of idle before keep-alive probes start, when {@link tcpKeepalive} is 1 (default -1: the system's). `ZMQ_TCP_KEEPALIVE_IDLE`. */
  tcpKeepaliveIdle: number;
  /** Accepted for compatibility: Node cannot set the keep-alive probe interval (default -1). `ZMQ_TCP_KEEPALIVE_INTVL`. */
  tcpKeepaliveInterval: number;
  /** Accepted for compatibility, no effect: the kernel's send buffer is left to Node (default -1). `ZMQ_SNDBUF`. */
  sendBufferSize: number;
  /** Accepted for compatibility, no effect: the kernel's receive buffer is left to Node (default -1). `ZMQ_RCVBUF`. */
  receiveBufferSize: number;
  /** Be the PLAIN server: check the username and password of peers through ZAP (default false). `ZMQ_PLAIN_SERVER`. */
  plainServer: boolean;
  /** The username this PLAIN client sends (default null). Setting it makes the socket a PLAIN client. `ZMQ_PLAIN_USERNAME`. */
  plainUsername: string | null;
  /** The password this PLAIN client sends, in clear (default null). `ZMQ_PLAIN_PASSWORD`. */
  plainPassword: string | null;
  /** Be the CURVE server; needs {@link curveSecretKey} (default false). `ZMQ_CURVE_SERVER`. */
  curveServer: boolean;
  /** This CURVE client's long-term public key: 40 Z85 characters or 32 bytes (default null). `ZMQ_CURVE_PUBLICKEY`. */
  curvePublicKey: string | null;
  /** This socket's long-term CURVE secret key, server or client: 40 Z85 characters or 32 bytes (default null). `ZMQ_CURVE_SECRETKEY`. */
  curveSecretKey: string | null;
  /** The server's public key, which this CURVE client expects; setting it makes the socket a CURVE client (default null). `ZMQ_CURVE_SERVERKEY`. */
  curveServerKey: string | null;
  /**
   * wss:// bind: the server's private key, PEM text (libzmq `ZMQ_WSS_KEY_PEM`;
   * default null). Binding wss:// needs it and {@link wssCertPem}.
   */
  wssKeyPem: string | null;
  /** wss:// bind: the server's certificate (chain), PEM text (libzmq `ZMQ_WSS_CERT_PEM`; default null). */
  wssCertPem: string | null;
  /**
   * wss:// connect: certificates to trust, PEM text: the CA that signed the
   * server's certificate, or that certificate itself when self-signed
   * (libzmq `ZMQ_WSS_TRUST_PEM`; default null).
   */
  wssTrustPem: string | null;
  /**
   * wss:// connect: the name the server's certificate must carry, also sent as
   * TLS SNI (libzmq `ZMQ_WSS_HOSTNAME`; default null: the endpoint's host).
   */
  wssHostname: string | null;
  /**
   * wss:// connect: also trust the CAs Node trusts (`tls.rootCertificates`)
   * (libzmq `ZMQ_WSS_TRUST_SYSTEM`; default false: only {@link wssTrustPem}).
   */
  wssTrustSystem: boolean;
  /** The domain passed to the ZAP handler with each authentication request (default null: empty). `ZMQ_ZAP_DOMAIN`. */
  zapDomain: string | null;
  /** Accepted for compatibility; skein does not read it (default false). `ZMQ_ZAP_ENFORCE_DOMAIN`. */
  zapEnforceDomain: boolean;
  /** Accepted for compatibility, no effect: skein has no I/O threads (default 0). `ZMQ_AFFINITY`. */
  affinity: number;
  /** epgm:// send rate in kbit/s: ODATA is paced to it (default 100). `ZMQ_RATE`. */
  rate: number;
  /**
   * epgm:// repair window in ms: a sender keeps its packets this long to answer
   * NAKs, a receiver waits this long for a repair before skipping (default 10000). `ZMQ_RECOVERY_IVL`.
   */
  recoveryInterval: number;
  /**
   * epgm:// repair rate in kbit/s: the NCFs and RDATA a sender multicasts in
   * answer to NAKs, on top of sharing `rate` with new data (default -1: a
   * quarter of `rate`; 0: no repairs). NAKs beyond it are counted in
   * `pgmStatistics.naksRateLimited`, so a hostile receiver cannot make the
   * sender multicast more. Read on each NAK: setting it takes effect at once. skein's option
   * (OpenPGM's `PGM_RDATA_MAX_RTE`; libzmq has none).
   */
  repairRate: number;
  /** Multicast TTL of epgm:// and udp:// packets (default 1: this network only). `ZMQ_MULTICAST_HOPS`. */
  multicastHops: number;
  /** Whether epgm:// packets sent loop back to receivers on this host (default true). `ZMQ_MULTICAST_LOOP`. */
  multicastLoop: boolean;
  /**
   * Most PGM sources (sessions) an epgm:// receiver keeps state for; data
   * from more is dropped and counted in `pgmStatistics.sourcesRefused` (skein limit, default 64).
   */
  multicastMaxSources: number;
  /** Accepted for compatibility, no effect: Node cannot set the IP type of service (default 0). `ZMQ_TOS`. */
  typeOfService: number;
  /** Accepted for compatibility, no effect: Node cannot set TCP_USER_TIMEOUT (default 0). `ZMQ_TCP_MAXRT`. */
  tcpMaxRetransmitTimeout: number;
  /** Accepted for compatibility, no effect (deprecated in libzmq too; default null). `ZMQ_TCP_ACCEPT_FILTER`. */
  tcpAcceptFilter: string | null;
  /** Accepted for compatibility, no effect: connections do not go through a SOCKS proxy (default null). `ZMQ_SOCKS_PROXY`. */
  socksProxy: string | null;
  /** Accepted for compatibility, no effect: Node cannot bind a socket to a device (default null). `ZMQ_BINDTODEVICE`. */
  interface: string | null;
  /** Accepted for compatibility, no effect: a Windows-only option (default false). `ZMQ_LOOPBACK_FASTPATH`. */
  loopbackFastPath: boolean;
  /** Largest epgm:// packet with its IP and UDP headers, in octets (default 1500, 128 to 65535). `ZMQ_MULTICAST_MAXTPDU`. */
  multicastMaxTransportDataUnit: number;
  /** Accepted for compatibility, no effect: vmci:// is not supported (default 0). `ZMQ_VMCI_BUFFER_SIZE`. */
  vmciBufferSize: number;
  /** Accepted for compatibility, no effect: vmci:// is not supported (default 0). `ZMQ_VMCI_BUFFER_MIN_SIZE`. */
  vmciBufferMinSize: number;
  /** Accepted for compatibility, no effect: vmci:// is not supported (default 0). `ZMQ_VMCI_BUFFER_MAX_SIZE`. */
  vmciBufferMaxSize: number;
  /** Accepted for compatibility, no effect: vmci:// is not supported (default -1). `ZMQ_VMCI_CONNECT_TIMEOUT`. */
  vmciConnectTimeout: number;
  /** Not supported: setting it to true throws ENOTSUP (see docs/compat.md). */
  gssapiServer: boolean;
  /** Not supported: setting it to true throws ENOTSUP. */
  gssapiPlainText: boolean;
  /** Not supported: setting it throws ENOTSUP. */
  gssapiPrincipal: string | null;
  /** Not supported: setting it throws ENOTSUP. */
  gssapiServicePrincipal: string | null;
  /** Not supported: setting it to another value throws ENOTSUP. */
  gssapiPrincipalNameType: "hostBased" | "userName" | "krb5Principal";
  /** Not supported: setting it to another value throws ENOTSUP. */
  gssapiServicePrincipalNameType: "hostBased" | "userName" | "krb5Principal";
}

/** A `TypeError` with the `zeromq` package's message and skein's explanation in `detail`. */
export function optionTypeError(message: string, detail: string): TypeError {
  return Object.assign(new TypeError(message), { detail });
}

/** A value out of range: a `RangeError` shaped like `zeromq`'s `EINVAL` error ("Invalid argument"). */
function optionRangeError(detail: string): RangeError {
  return Object.assign(new RangeError(strerror("EINVAL")), { code: "EINVAL", errno: ERRNO.EINVAL, detail });
}

/** Validates a value for an option; returns the value to store. */
export function checkOption(socketName: string, name: string, spec: OptionSpec, value: unknown): unknown {
  switch (spec.kind) {
    case "int": {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw optionTypeError("Option value must be a number", `Option ${name} of ${socketName} must be an integer, got ${describe(value)}`);
      }
      const min = spec.min ?? -INT32_MAX - 1;
      const max = spec.max ?? INT32_MAX;
      if (value < min || value > max) {
        throw optionRangeError(`Option ${name} of ${socketName} must be between ${min} and ${max}, got ${value}`);
      }
      return value;
    }
    case "bool":
      if (typeof value !== "boolean") {
        throw optionTypeError("Option value must be a boolean", `Option ${name} of ${socketName} must be a boolean, got ${describe(value)}`);
      }
      return value;
    case "string":
      // zeromq takes a Buffer for a string option and reads it back as a UTF-8 string.
      if (Buffer.isBuffer(value)) value = value.toString("utf8");
      if (value !== null && typeof value !== "string") {
        throw optionTypeError("Option value must be a string or buffer", `Option ${name} of ${socketName} must be a string, Buffer or null, got ${describe(value)}`);
      }
      if (spec.values !== undefined && !spec.values.includes(value as string | null)) {
        throw optionRangeError(`Option ${name} of ${socketName} must be one of ${spec.values.join(", ")}`);
      }
      return value;
    case "unsupported":
      if (value === spec.default) return value;
      throw new ZmqError("ENOTSUP", `Option ${name} of ${socketName}: GSSAPI is not supported by skein (use CURVE; see docs/compat.md)`);
    case "binary":
      if (value !== null && typeof value !== "string" && !Buffer.isBuffer(value) && !(value instanceof Uint8Array)) {
        throw optionTypeError("Option value must be a string or buffer", `Option ${name} of ${socketName} must be a string, Buffer or null, got ${describe(value)}`);
      }
      if (spec.max !== undefined && value !== null) {
        // For binary options, min/max bound the length in octets (routingId: 1..255, as libzmq).
        const length = typeof value === "string" ? Buffer.byteLength(value) : (value as Uint8Array).byteLength;
        if (length > spec.max) {
          throw optionRangeError(`Option ${name} of ${socketName} must be at most ${spec.max} bytes, got ${length}`);
        }
      }
      return value;
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return `string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === "object" ? (value.constructor?.name ?? "object") : `${typeof value} ${String(value)}`;
}

/** Holder of option values with accessors defined on a prototype. */
export interface OptionHolder {
  readonly options: Record<string, unknown>;
  optionChanged(name: string): void;
  readonly constructor: { name: string };
}

/**
 * Defines accessor properties for `specs` on `proto`, so that options read
 * and write like plain properties (`socket.linger = 0`).
 */
export function defineOptions(proto: object, specs: Readonly<Record<string, OptionSpec>>): void {
  for (const [name, spec] of Object.entries(specs)) {
    Object.defineProperty(proto, name, {
      configurable: true,
      enumerable: true,
      get(this: OptionHolder) {
        const value = this.options[name];
        return value === undefined ? spec.default : value;
      },
      set(this: OptionHolder, value: unknown) {
        this.options[name] = checkOption(this.constructor.name, name, spec, value);
        this.optionChanged(name);
      },
    });
  }
}

/** Applies a constructor options object, rejecting names the target does not have. */
export function applyOptions(target: object, options: Record<string, unknown> | undefined, skip: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object") throw new TypeError("Options must be an object");
  for (const [name, value] of Object.entries(options)) {
    if (skip.includes(name) || value === undefined) continue;
    const found = findDescriptor(target, name);
    // The messages are V8's for a sealed zeromq object, which code written for zeromq may match.
    if (found === undefined) {
      throw optionTypeError(`Cannot add property ${name}, object is not extensible`, `Unknown option "${name}" for ${target.constructor.name}`);
    }
    const [descriptor, holder] = found;
    if (descriptor.set === undefined && !descriptor.writable) {
      throw optionTypeError(
        `Cannot set property ${name} of #<${holder}> which has only a getter`,
        `Option "${name}" of ${target.constructor.name} is read-only`,
      );
    }
    (target as Record<string, unknown>)[name] = value;
  }
}

/** The property's descriptor and the name of the class that defines it. */
function findDescriptor(target: object, name: string): [PropertyDescriptor, string] | undefined {
  for (let o: object | null = target; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, name);
    if (descriptor !== undefined) return [descriptor, (o.constructor as { name?: string } | undefined)?.name ?? "Object"];
  }
  return undefined;
}

/**
 * libzmq's option numbers (`zmq.h`) and the option property each is on a
 * socket, for `zeromq`'s low-level accessors (`getInt32Option(19)` reads
 * `backlog`). Numbers with no property here are `EINVAL`, as libzmq answers
 * for an option a socket does not have.
 */
export const OPTION_IDS: Readonly<Record<number, string>> = Object.freeze({
  4: "affinity",
  5: "routingId",
  8: "rate",
  9: "recoveryInterval",
  11: "sendBufferSize",
  12: "receiveBufferSize",
  16: "type",
  17: "linger",
  18: "reconnectInterval",
  19: "backlog",
  21: "reconnectMaxInterval",
  22: "maxMessageSize",
  23: "sendHighWaterMark",
  24: "receiveHighWaterMark",
  25: "multicastHops",
  27: "receiveTimeout",
  28: "sendTimeout",
  32: "lastEndpoint",
  33: "mandatory",
  34: "tcpKeepalive",
  35: "tcpKeepaliveCount",
  36: "tcpKeepaliveIdle",
  37: "tcpKeepaliveInterval",
  39: "immediate",
  42: "ipv6",
  44: "plainServer",
  45: "plainUsername",
  46: "plainPassword",
  47: "curveServer",
  48: "curvePublicKey",
  49: "curveSecretKey",
  50: "curveServerKey",
  51: "probeRouter",
  52: "correlate",
  53: "relaxed",
  54: "conflate",
  55: "zapDomain",
  56: "handover",
  57: "typeOfService",
  62: "gssapiServer",
  63: "gssapiPrincipal",
  64: "gssapiServicePrincipal",
  65: "gssapiPlainText",
  66: "handshakeInterval",
  68: "socksProxy",
  69: "noDrop",
  71: "manual",
  72: "welcomeMessage",
  73: "notify",
  74: "invertMatching",
  75: "heartbeatInterval",
  76: "heartbeatTimeToLive",
  77: "heartbeatTimeout",
  79: "connectTimeout",
  80: "tcpMaxRetransmitTimeout",
  81: "threadSafe",
  84: "multicastMaxTransportDataUnit",
  85: "vmciBufferSize",
  86: "vmciBufferMinSize",
  87: "vmciBufferMaxSize",
  88: "vmciConnectTimeout",
  92: "interface",
  93: "zapEnforceDomain",
  94: "loopbackFastPath",
  96: "multicastLoop",
});
