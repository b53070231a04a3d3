/**
 * The mechanism table: which security mechanism a socket's options choose,
 * and the mechanism instance of each connection (RFC 23 §"Authentication
 * and Confidentiality"). The socket asks it for the greeting's mechanism
 * name; the ZMTP engine asks it for the state machine once the peer's
 * greeting is in. Neither names a mechanism itself.
 *
 * Adding a mechanism: one file with its state machine and a
 * {@link MechanismFactory}, and one line in the list below.
 */
import { ProtocolError } from "../errors.js";
import type { Greeting } from "../zmtp/greeting.js";
import { curve } from "./curve.js";
import type { Mechanism, MechanismFactory, MechanismHost, OptionReader } from "./mechanism.js";
import { nullMechanism } from "./null.js";
import { plain } from "./plain.js";

/**
 * In order of precedence: a socket whose options set both CURVE and PLAIN options uses CURVE (libzmq
 * takes whichever was set last; skein has always preferred CURVE, the one that encrypts).
 */
const mechanisms: MechanismFactory[] = [curve, plain];

/** Adds a mechanism to the table, after those already there (or replaces the one of its name). */
export function registerMechanism(factory: MechanismFactory): void {
  const at = mechanisms.findIndex((m) => m.name === factory.name);
  if (at >= 0) mechanisms[at] = factory;
  else mechanisms.push(factory);
}

/** The mechanism the options choose (NULL when none does) and whether this side is its server. */
export function selectMechanism(option: OptionReader): { name: Mechanism["name"]; asServer: boolean } {
  const factory = mechanisms.find((m) => m.selectedBy(option)) ?? nullMechanism;
  return { name: factory.name, asServer: factory.asServer(option) };
}

/**
 * The mechanism of one connection, once the peer's greeting is in: `ours`
 * is the name this side sent. A peer that sent another name is refused
 * (RFC 23: both sides must use the same mechanism).
 */
export function createMechanism(ours: string, host: MechanismHost, peer: Greeting): Mechanism {
  if (peer.mechanism !== ours) {
    throw new ProtocolError("ERR_ZMTP_MECHANISM_MISMATCH", `Peer uses the ${peer.mechanism || "(empty)"} mechanism, this socket ${ours}`);
  }
  // The greeting's as-server flag is not checked: libzmq neither sets it reliably nor checks it.
  const factory = ours === nullMechanism.name ? nullMechanism : mechanisms.find((m) => m.name === ours);
  if (factory === undefined) throw new ProtocolError("ERR_ZMTP_MECHANISM_MISMATCH", `No ${ours} mechanism is registered`);
  return factory.create(host);
}
