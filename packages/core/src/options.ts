/**
 * Socket options: names, defaults and validation, as the `zeromq` v6 package
 * exposes them (properties on the socket, or the constructor's object).
 * Values are checked when set: a wrong type is a `TypeError`, a value out of
 * range a `RangeError`, and a read-only or unknown option a `TypeError`.
 */

import { ZmqError } from "./errors.js";

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
  affinity: { kind: "int", default: 0, min: 0, noEffect: true },
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

/** Validates a value for an option; returns the value to store. */
export function checkOption(socketName: string, name: string, spec: OptionSpec, value: unknown): unknown {
  switch (spec.kind) {
    case "int": {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw new TypeError(`Option ${name} of ${socketName} must be an integer, got ${describe(value)}`);
      }
      const min = spec.min ?? -INT32_MAX - 1;
      const max = spec.max ?? INT32_MAX;
      if (value < min || value > max) {
        throw new RangeError(`Option ${name} of ${socketName} must be between ${min} and ${max}, got ${value}`);
      }
      return value;
    }
    case "bool":
      if (typeof value !== "boolean") {
        throw new TypeError(`Option ${name} of ${socketName} must be a boolean, got ${describe(value)}`);
      }
      return value;
    case "string":
      if (value !== null && typeof value !== "string") {
        throw new TypeError(`Option ${name} of ${socketName} must be a string or null, got ${describe(value)}`);
      }
      if (spec.values !== undefined && !spec.values.includes(value as string | null)) {
        throw new RangeError(`Option ${name} of ${socketName} must be one of ${spec.values.join(", ")}`);
      }
      return value;
    case "unsupported":
      if (value === spec.default) return value;
      throw new ZmqError("ENOTSUP", `Option ${name} of ${socketName}: GSSAPI is not supported by skein (use CURVE; see docs/compat.md)`);
    case "binary":
      if (value !== null && typeof value !== "string" && !Buffer.isBuffer(value) && !(value instanceof Uint8Array)) {
        throw new TypeError(`Option ${name} of ${socketName} must be a string, Buffer or null, got ${describe(value)}`);
      }
      if (spec.max !== undefined && value !== null) {
        // For binary options, min/max bound the length in octets (routingId: 1..255, as libzmq).
        const length = typeof value === "string" ? Buffer.byteLength(value) : (value as Uint8Array).byteLength;
        if (length > spec.max) {
          throw new RangeError(`Option ${name} of ${socketName} must be at most ${spec.max} bytes, got ${length}`);
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
    const descriptor = findDescriptor(target, name);
    if (descriptor === undefined) {
      throw new TypeError(`Unknown option "${name}" for ${target.constructor.name}`);
    }
    if (descriptor.set === undefined && !descriptor.writable) {
      throw new TypeError(`Option "${name}" of ${target.constructor.name} is read-only`);
    }
    (target as Record<string, unknown>)[name] = value;
  }
}

function findDescriptor(target: object, name: string): PropertyDescriptor | undefined {
  for (let o: object | null = target; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, name);
    if (descriptor !== undefined) return descriptor;
  }
  return undefined;
}
