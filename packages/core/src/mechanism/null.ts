/**
 * The NULL mechanism (RFC 37 §"The NULL Security Mechanism"): each side
 * sends READY with its metadata and waits for the peer's READY. A peer may
 * answer ERROR instead, which ends the connection.
 */
import { ProtocolError } from "../errors.js";
import { decodeMetadata, encodeMetadata } from "../zmtp/metadata.js";
import { decodeErrorReason } from "../zmtp/commands.js";
import type { Mechanism, MechanismFactory, MechanismHost } from "./mechanism.js";

export class NullMechanism implements Mechanism {
  readonly name = "NULL" as const;
  #done = false;
  /** After a failure the engine drops the peer; commands still in flight are ignored (fail once). */
  #failed = false;

  constructor(private readonly host: MechanismHost) {}

  start(): void {
    this.host.sendCommand("READY", encodeMetadata(this.host.localMetadata));
  }

  onCommand(name: string, data: Buffer): void {
    if (this.#failed) return;
    if (this.#done) {
      this.#fail(new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", `Unexpected ${name} after READY`));
      return;
    }
    if (name === "READY") {
      let metadata;
      try {
        metadata = decodeMetadata(data);
      } catch (error) {
        this.#fail(error as ProtocolError);
        return;
      }
      this.#done = true;
      this.host.handshakeSucceeded(metadata, "");
    } else if (name === "ERROR") {
      this.#fail(
        new ProtocolError("ERR_ZMTP_UNSPECIFIED", `Peer rejected the handshake: ${decodeErrorReason(data)}`),
      );
    } else {
      this.#fail(
        new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", `Unexpected ${name} command during NULL handshake`),
      );
    }
  }

  #fail(error: ProtocolError): void {
    this.#failed = true;
    this.host.handshakeFailed(error);
  }
}

/** NULL in the mechanism table: what a socket uses when its options choose no other (factory.ts). */
export const nullMechanism: MechanismFactory = {
  name: "NULL",
  selectedBy: () => true,
  asServer: () => false,
  create: (host) => new NullMechanism(host),
};
