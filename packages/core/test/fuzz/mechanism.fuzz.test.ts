/**
 * Fuzz targets: the NULL and PLAIN mechanisms (src/mechanism/null.ts,
 * plain.ts), both sides. The input is what the peer sends: a ZMTP stream of
 * command frames, mutated from the commands of a real handshake; each
 * command goes to `onCommand` in order, as the engine hands them over
 * (ZAP replies, when the server asked, arrive between commands).
 *
 * Checks: `onCommand` never throws, the mechanism fails at most once and
 * only with a typed ZmqError (never a wrapped TypeError), nothing is left
 * pending. The CURVE targets are in curve.fuzz.test.ts.
 */
import { describe, expect } from "vitest";
import { ZmqError } from "../../src/errors.js";
import type { Mechanism, MechanismHost } from "../../src/mechanism/mechanism.js";
import { NullMechanism } from "../../src/mechanism/null.js";
import { PlainMechanism } from "../../src/mechanism/plain.js";
import { handshake, lone, securityOptions, settle, zapReply, type HostSetup, type ZapHandler } from "../mechanism/mechanism-pair.js";
import { commandsOf, commandStream } from "./corpus.js";
import { check, fuzzTest, InvariantBroken, wrapsUntyped, type FuzzTarget, type Random } from "./fuzz.js";

const ZAP_HANDLERS: ZapHandler[] = [
  null,
  () => zapReply("200", "user"),
  () => zapReply("400"),
  () => zapReply("300"),
  () => Promise.reject(new ZmqError("EPROTO", "Malformed ZAP reply")),
];

interface Side {
  name: string;
  create: (host: MechanismHost) => Mechanism;
  /** The side under test; `zap` only matters to a server. */
  setup: (zap: ZapHandler) => HostSetup;
  /** What its peer sends in a real handshake. */
  peerCommands: () => Promise<{ name: string; data: Buffer }[]>;
  /** True when a command may start a ZAP request (settle before the next one). */
  asks: boolean;
}

const ERROR_COMMAND = { name: "ERROR", data: Buffer.from("\x0dAccess denied", "latin1") };

async function transcript(create: Side["create"], client: HostSetup, server: HostSetup, of: "client" | "server") {
  const pair = await handshake(create, client, server);
  expect(pair.server.succeeded).not.toBeNull();
  return [...pair[of].sent, ERROR_COMMAND];
}

const plainClient = (): HostSetup => ({ asServer: false, security: securityOptions({ plainUsername: "user", plainPassword: "pass" }) });
const plainServer = (zap: ZapHandler): HostSetup => ({ asServer: true, security: securityOptions({ plainServer: true }), zap });
const nullSide = (asServer: boolean) => (): HostSetup => ({ asServer, security: securityOptions() });
const accept: ZapHandler = () => zapReply("200", "user");

const SIDES: Side[] = [
  {
    name: "NULL mechanism",
    create: (host) => new NullMechanism(host),
    setup: nullSide(false),
    peerCommands: () => transcript((host) => new NullMechanism(host), nullSide(false)(), nullSide(true)(), "server"),
    asks: false,
  },
  {
    name: "PLAIN server",
    create: (host) => new PlainMechanism(host),
    setup: plainServer,
    peerCommands: () => transcript((host) => new PlainMechanism(host), plainClient(), plainServer(accept), "client"),
    asks: true,
  },
  {
    name: "PLAIN client",
    create: (host) => new PlainMechanism(host),
    setup: plainClient,
    peerCommands: () => transcript((host) => new PlainMechanism(host), plainClient(), plainServer(accept), "server"),
    asks: false,
  },
];

/** Runs one input against a fresh mechanism; throws what the mechanism reported, if typed. */
export async function feed(side: Pick<Side, "create" | "setup" | "asks">, input: Buffer, random: Random): Promise<void> {
  const host = lone(side.create, side.setup(random.pick(ZAP_HANDLERS)));
  for (const command of commandsOf(input)) {
    try {
      host.mechanism.onCommand(command.name, command.data);
    } catch (error) {
      throw new InvariantBroken(`onCommand threw instead of failing the handshake: ${String(error)}`);
    }
    if (side.asks) await settle(host);
  }
  if (side.asks) await settle(host);
  check(host.failures <= 1, `the mechanism failed ${host.failures} times`);
  check(host.idle, "commands still in flight after settling");
  if (host.failed !== null) throw host.failed;
}

/** A handshake failure is a finding unless it is a ZmqError that wraps nothing untyped. */
export const typedFailure = (error: unknown): boolean => error instanceof ZmqError && !wrapsUntyped(error);

for (const side of SIDES) {
  describe(`fuzz: ${side.name}`, async () => {
    const seeds = await side.peerCommands();
    // Whole transcripts, and each command alone (a peer may send anything first).
    const corpus = [commandStream(seeds), ...seeds.map((command) => commandStream([command]))];
    fuzzTest({
      name: side.name,
      seeds: corpus,
      allowed: typedFailure,
      run: (input, random) => feed(side, input, random),
    } satisfies FuzzTarget);
  });
}
