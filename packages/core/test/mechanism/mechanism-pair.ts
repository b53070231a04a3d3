/**
 * Two in-memory {@link MechanismHost}s that hand each other's commands across,
 * so a client and a server mechanism can run a real handshake without a
 * socket. Delivery is asynchronous (one `setImmediate` per command), as over
 * a connection. A failed side answers with ERROR the way the engine does
 * ({@link errorReasonForPeer}: the ZAP status code of a refusal, else nothing).
 */
import type { Mechanism, MechanismHost, SecurityOptions, ZapReply, ZapRequest } from "../../src/mechanism/mechanism.js";
import type { ZmqError } from "../../src/errors.js";
import { errorReasonForPeer } from "../../src/mechanism/peer-error.js";
import { encodeErrorReason } from "../../src/zmtp/commands.js";
import type { Metadata } from "../../src/zmtp/metadata.js";

/** Security options with every field unset, to override per test. */
export function securityOptions(overrides: Partial<SecurityOptions> = {}): SecurityOptions {
  return {
    plainServer: false,
    plainUsername: null,
    plainPassword: null,
    curveServer: false,
    curvePublicKey: null,
    curveSecretKey: null,
    curveServerKey: null,
    zapDomain: null,
    ...overrides,
  };
}

/** A ZAP handler for tests: a function, or null for "no handler installed". */
export type ZapHandler = ((request: ZapRequest) => ZapReply | Promise<ZapReply>) | null;

/** A ZAP reply with the given status. */
export function zapReply(statusCode: ZapReply["statusCode"], userId = "", metadata: Metadata = new Map()): ZapReply {
  return { statusCode, statusText: statusCode === "200" ? "OK" : "Denied", userId, metadata };
}

export interface HostSetup {
  asServer: boolean;
  security: SecurityOptions;
  metadata?: Metadata;
  zap?: ZapHandler;
}

/** One side of the in-memory connection, recording what the mechanism did. */
export class TestHost implements MechanismHost {
  readonly asServer: boolean;
  readonly security: SecurityOptions;
  readonly localMetadata: Metadata;
  readonly peerAddress = "tcp://127.0.0.1:5555";
  /** Commands this side sent, in order. */
  readonly sent: { name: string; data: Buffer }[] = [];
  readonly zapRequests: ZapRequest[] = [];
  succeeded: { peerMetadata: Metadata; userId: string; zapMetadata?: Metadata } | null = null;
  failed: ZmqError | null = null;
  /** Calls to handshakeFailed (must be at most one). */
  failures = 0;
  mechanism!: Mechanism;
  peer: TestHost | null = null;
  readonly #zap: ZapHandler;
  #inFlight = 0;

  constructor(setup: HostSetup) {
    this.asServer = setup.asServer;
    this.security = setup.security;
    this.localMetadata = setup.metadata ?? new Map([["Socket-Type", Buffer.from(setup.asServer ? "REP" : "REQ")]]);
    this.#zap = setup.zap ?? null;
  }

  sendCommand(name: string, data: Buffer): void {
    this.sent.push({ name, data: Buffer.from(data) });
    const peer = this.peer;
    if (peer === null) return;
    this.#inFlight++;
    setImmediate(() => {
      this.#inFlight--;
      peer.mechanism.onCommand(name, data);
    });
  }

  async authenticate(request: ZapRequest): Promise<ZapReply | null> {
    this.zapRequests.push(request);
    if (this.#zap === null) return null;
    return this.#zap(request);
  }

  handshakeSucceeded(peerMetadata: Metadata, userId: string, zapMetadata?: Metadata): void {
    this.succeeded = { peerMetadata, userId, ...(zapMetadata !== undefined ? { zapMetadata } : {}) };
  }

  handshakeFailed(error: ZmqError): void {
    this.failures++;
    if (this.failed !== null) return;
    this.failed = error;
    const reason = errorReasonForPeer(error);
    if (reason !== null) this.sendCommand("ERROR", encodeErrorReason(reason));
  }

  get settled(): boolean {
    return this.succeeded !== null || this.failed !== null;
  }

  get idle(): boolean {
    return this.#inFlight === 0;
  }
}

/** Lets every queued command and ZAP reply be delivered (bounded: never hangs). */
export async function settle(...hosts: TestHost[]): Promise<void> {
  for (let round = 0; round < 200; round++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (hosts.every((host) => host.idle)) {
      // One more turn for promise callbacks (ZAP replies) queued by the last delivery.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (hosts.every((host) => host.idle)) return;
    }
  }
}

/** Connects a client and a server mechanism, starts both, and lets the handshake run. */
export async function handshake(
  create: (host: MechanismHost) => Mechanism,
  client: HostSetup,
  server: HostSetup,
): Promise<{ client: TestHost; server: TestHost }> {
  const clientHost = new TestHost(client);
  const serverHost = new TestHost(server);
  clientHost.peer = serverHost;
  serverHost.peer = clientHost;
  clientHost.mechanism = create(clientHost);
  serverHost.mechanism = create(serverHost);
  serverHost.mechanism.start();
  clientHost.mechanism.start();
  await settle(clientHost, serverHost);
  return { client: clientHost, server: serverHost };
}

/** A lone mechanism whose commands go nowhere, for feeding hand-made commands. */
export function lone(create: (host: MechanismHost) => Mechanism, setup: HostSetup): TestHost {
  const host = new TestHost(setup);
  host.mechanism = create(host);
  host.mechanism.start();
  return host;
}
