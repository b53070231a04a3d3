/**
 * A hostile subscriber written by hand: a raw `node:net` connection that
 * speaks just enough ZMTP (tcp, ipc: greeting, READY as SUB, then RFC 37
 * SUBSCRIBE/CANCEL commands) or ZWS 2.0 (ws: HTTP upgrade, READY, then
 * RFC 45 subscription messages) to make a publisher hold what it sends.
 * Shared by the hostile tests of core and patterns.
 */
import { randomBytes } from "node:crypto";
import { Opcode, encodeFrame } from "../../src/transport/ws/websocket-frame.js";
import { encodeUpgradeRequest } from "../../src/transport/ws/websocket-handshake.js";
import { rawCommand, rawConnect, rawGreeting, rawProperties, rawReady, until, type RawPeer } from "../helpers.js";

export type AttackTransport = "tcp" | "ipc" | "ws";

export interface HostileSubscriber {
  readonly raw: RawPeer;
  /** Sends subscriptions (`subscribe`) or cancels for each prefix, in one write. */
  send(prefixes: Iterable<Buffer>, subscribe: boolean): void;
  /** Whether bytes containing `marker` arrived (a message published on a topic it subscribed). */
  saw(marker: Buffer): boolean;
  /** Drops the connection and resolves once it is closed. */
  close(): Promise<void>;
}

/** Connects a hostile SUB to a publisher bound at `address` (tcp://, ipc:// or ws://). */
export async function hostileSubscriber(transport: AttackTransport, address: string): Promise<HostileSubscriber> {
  const ws = transport === "ws";
  const raw = await rawConnect(ws ? address.replace(/^ws:/, "tcp:").replace(/\/[^:]*$/, "") : address);
  if (ws) {
    const path = /^ws:\/\/[^/]+(\/.*)?$/.exec(address)![1] ?? "/";
    raw.stream.write(encodeUpgradeRequest(path, "127.0.0.1", randomBytes(16).toString("base64"), "ZWS2.0/NULL"));
    const ready = Buffer.concat([Buffer.from([0x02, 5]), Buffer.from("READY"), rawProperties({ "Socket-Type": "SUB" })]);
    for (const chunk of encodeFrame(Opcode.Binary, [ready], true)) raw.stream.write(chunk);
  } else {
    raw.stream.write(Buffer.concat([rawGreeting(), rawReady("SUB")]));
  }
  const chunks: Buffer[] = [];
  return {
    raw,
    send(prefixes, subscribe) {
      chunks.length = 0;
      for (const prefix of prefixes) {
        if (ws) {
          // RFC 45 peers are ZMTP 3.0 here: a subscription is a message, 0x01 or 0x00 then the prefix.
          chunks.push(...encodeFrame(Opcode.Binary, [Buffer.from([0, subscribe ? 1 : 0]), prefix], true));
        } else {
          chunks.push(rawCommand(subscribe ? "SUBSCRIBE" : "CANCEL", prefix));
        }
      }
      raw.stream.write(Buffer.concat(chunks));
      chunks.length = 0;
    },
    saw: (marker) => raw.received().includes(marker),
    async close() {
      raw.stream.destroy();
      await raw.closed;
    },
  };
}

/**
 * Publishes `[topic, "probe"]` until `arrived()` holds: the subscription to
 * `topic`, sent after everything else on its connection, was applied, so
 * everything before it was too (one connection is read in order).
 */
export async function publishUntil(send: (parts: string[]) => Promise<void>, topic: string, arrived: () => boolean, timeoutMs = 20_000): Promise<void> {
  let failure: unknown = null;
  await until(
    () => {
      if (failure !== null) throw failure;
      if (arrived()) return true;
      send([topic, "probe"]).catch((error: unknown) => (failure ??= error));
      return false;
    },
    `messages on ${topic} to reach the hostile subscriber`,
    timeoutMs,
  );
}
