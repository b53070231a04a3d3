/** The soak's pairs: every classic socket type, over tcp, ipc and ws, one of them with CURVE. */
import { randomBytes } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import type { PeerRole } from "./protocol.js";

/** One side of a pair: its role and whether it sends on its own (rate) or only answers. */
export interface SideSpec {
  role: PeerRole;
  sends: boolean;
}

export interface PairSpec {
  /** `"PUB/SUB ipc"` */
  name: string;
  /** The side that binds: it lives for the whole soak. */
  bind: SideSpec;
  /** The side that connects: killed (SIGKILL) and restarted periodically. */
  connect: SideSpec;
  /** A fresh address for the bind side. */
  address(): string;
  curve: boolean;
}

const RUN = `${process.pid}-${randomBytes(3).toString("hex")}`;
const ipc = (name: string) => `ipc://${path.join(os.tmpdir(), `skein-soak-${RUN}-${name}.ipc`)}`;

export const PAIRS: readonly PairSpec[] = [
  { name: "PAIR tcp", bind: { role: "pair-bind", sends: true }, connect: { role: "pair-connect", sends: true }, address: () => "tcp://127.0.0.1:0", curve: false },
  { name: "PUB/SUB ipc", bind: { role: "pub", sends: true }, connect: { role: "sub", sends: false }, address: () => ipc("pubsub"), curve: false },
  { name: "XPUB/XSUB tcp", bind: { role: "xpub", sends: true }, connect: { role: "xsub", sends: false }, address: () => "tcp://127.0.0.1:0", curve: false },
  { name: "REQ/REP tcp CURVE", bind: { role: "rep", sends: false }, connect: { role: "req", sends: true }, address: () => "tcp://127.0.0.1:0", curve: true },
  { name: "DEALER/ROUTER ws", bind: { role: "router", sends: false }, connect: { role: "dealer", sends: true }, address: () => "ws://127.0.0.1:0/soak", curve: false },
  { name: "PUSH/PULL ipc", bind: { role: "pull", sends: false }, connect: { role: "push", sends: true }, address: () => ipc("pipeline"), curve: false },
  { name: "STREAM tcp (raw peer)", bind: { role: "stream", sends: false }, connect: { role: "raw-tcp", sends: true }, address: () => "tcp://127.0.0.1:0", curve: false },
];

/** Roles that answer each message they receive with one of their own (their send count follows the other side's). */
export const ANSWERS: ReadonlySet<PeerRole> = new Set(["rep", "router"]);
