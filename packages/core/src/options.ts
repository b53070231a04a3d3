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
  immediate: { kind: "bool", default: false },
  messageProperties: { kind: "bool", default: false },
  // One waiting send()/receive() as in zeromq (EBUSY beyond); 0 lets calls queue without limit.
  maxPendingSends: { kind: "int", default: 1, min: 0 },
  maxPendingReceives: { kind: "int", default: 1, min: 0 },
  ipv6: { kind: "bool", default: false },
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
  // ZMQ_WSS_*: TLS of wss:// endpoints (transport/wss.ts). Not in zeromq v6, whose libzmq has no wss.
  wssKeyPem: { kind: "string", default: null },
  wssCertPem: { kind: "string", default: null },
  wssTrustPem: { kind: "string", default: null },
  wssHostname: { kind: "string", default: null },
  wssTrustSystem: { kind: "bool", default: false },
  zapDomain: { kind: "string", default: null },
  zapEnforceDomain: { kind: "bool", default: false },
  affinity: { kind: "int", default: 0, min: 0, max: 2 ** 64, noEffect: true },
  rate: { kind: "int", default: 100, min: 1, noEffect: true },
  recoveryInterval: { kind: "int", default: 10_000, min: 0, noEffect: true },
  multicastHops: { kind: "int", default: 1, min: 1, noEffect: true },
  typeOfService: { kind: "int", default: 0, min: 0, noEffect: true },
  tcpMaxRetransmitTimeout: { kind: "int", default: 0, min: 0, noEffect: true },
  tcpAcceptFilter: { kind: "string", default: null, noEffect: true },
  socksProxy: { kind: "string", default: null, noEffect: true },
  interface: { kind: "string", default: null, noEffect: true },
  loopbackFastPath: { kind: "bool", default: false, noEffect: true },
  multicastMaxTransportDataUnit: { kind: "int", default: 1500, min: 0, noEffect: true },
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
});
