import type { Impl } from "../library.js";
import type { ServiceImpl } from "../service/contract.js";

/** Transports a case can use. */
export type Transport = "tcp" | "ipc" | "inproc" | "ws" | "epgm";

/** CURVE keys in Z85, as the `zeromq` v6 options take them. */
export interface CurveKeys {
  serverPublicKey: string;
  serverSecretKey: string;
}

/** Configuration of the PUSH/PULL sender and receiver workers (and the inproc one). */
export interface ThroughputConfig {
  impl: Impl;
  transport: Transport;
  /** Where the receiver binds (tcp: `tcp://127.0.0.1:0`); the sender gets the bound endpoint. */
  endpoint: string;
  size: number;
  /** How long the sender keeps sending. */
  durationMs: number;
  /** Upper bound on messages, whatever the duration. */
  maxCount: number;
  /** Messages a second for a steady-rate run (soak); 0 means as fast as possible. */
  rate: number;
  /** Sample the receiver's RSS every second. */
  sampleRss: boolean;
  /** Use CURVE: the receiver is the server. */
  curve: boolean;
  /** The sender gets the server's public key here. */
  serverPublicKey?: string;
}

/** What a throughput receiver reports. */
export interface ThroughputResult {
  kind: "result";
  count: number;
  bytes: number;
  seconds: number;
  peakRssMb: number;
  /** [seconds since first message, messages received, RSS in MB] every second, when sampled. */
  rssSamples?: Array<[number, number, number]>;
}

/** Configuration of the REQ/REP workers. */
export interface ReqRepConfig {
  impl: Impl;
  endpoint: string;
  size: number;
  durationMs: number;
  maxCount: number;
}

/** Configuration of the PUB/SUB workers. */
export interface PubSubConfig {
  impl: Impl;
  endpoint: string;
  size: number;
  durationMs: number;
  maxCount: number;
  /** Subscriber sockets in this subscriber process. */
  sockets: number;
}

/** Configuration of the ROUTER/DEALER workers. */
export interface RouterDealerConfig {
  impl: Impl;
  endpoint: string;
  size: number;
  durationMs: number;
  /** Dealer clients in this process. */
  clients: number;
  /** Requests each client keeps in flight. */
  window: number;
}

/** Configuration of the service-case workers (`service-server`, `service-client`). */
export interface ServiceConfig {
  impl: ServiceImpl;
  /** Where the client connects (the server's report); unused by the server. */
  endpoint: string;
  /** `unary`: SayHello; `stream`: SayHelloStream of `streamItems` greetings. */
  shape: "unary" | "stream";
  /** Calls the client keeps going at once. */
  inFlight: number;
  streamItems: number;
  durationMs: number;
}

/** Configuration of the epgm:// PUB/SUB workers (`epgm-publisher`, `epgm-subscriber`). */
export interface EpgmConfig {
  impl: Impl;
  /** `epgm://127.0.0.1;239.x.y.z:port`, the same for both sides (bind and connect mean the same). */
  endpoint: string;
  size: number;
  durationMs: number;
  /** The sender's `rate` option, kbit/s (the receiver gets it too, as libzmq's needs). */
  rate: number;
}

/** Configuration of the SWAP workers (`swap-sender`, `swap-receiver`). */
export interface SwapConfig {
  impl: Impl;
  /** `tcp://127.0.0.1:port`: the sender connects first, the receiver binds it once the spill is done. */
  endpoint: string;
  size: number;
  /** Messages spilled (the pipe's `sendHighWaterMark` more are sent first). */
  count: number;
  sendHighWaterMark: number;
  /** The sender's `swapDirectory`, removed by the driver afterwards. */
  directory: string;
  durable: boolean;
}
