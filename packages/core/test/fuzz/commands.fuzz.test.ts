/**
 * Fuzz targets: ZMTP command bodies (src/zmtp/commands.ts: name, PING,
 * ERROR reason) and metadata properties (src/zmtp/metadata.ts), as READY,
 * INITIATE and ZAP replies carry them.
 */
import { describe } from "vitest";
import { ProtocolError } from "../../src/errors.js";
import { decodeErrorReason, decodePing, encodeCommand, encodeErrorReason, encodePing, parseCommand } from "../../src/zmtp/commands.js";
import { decodeMetadata, encodeMetadata, getProperty } from "../../src/zmtp/metadata.js";
import { check, fuzzTest, typedError, type FuzzTarget } from "./fuzz.js";

const commandTarget: FuzzTarget = {
  name: "ZMTP command",
  seeds: [
    encodeCommand("PING", encodePing(100, Buffer.from("ctx"))),
    encodeCommand("PONG", Buffer.from("ctx")),
    encodeCommand("ERROR", encodeErrorReason("Invalid socket type")),
    encodeCommand("SUBSCRIBE", Buffer.from("topic")),
    encodeCommand("CANCEL"),
    encodeCommand("READY", encodeMetadata(new Map([["Socket-Type", Buffer.from("DEALER")]]))),
  ],
  allowed: (error) => typedError(error, ProtocolError, ["ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED"]),
  run(input) {
    const command = parseCommand(input);
    check(command.name.length > 0, "empty command name accepted");
    check(1 + command.name.length + command.data.length === input.length, "name and data do not cover the body");
    check(decodeErrorReason(command.data).length < Math.max(1, command.data.length), "ERROR reason overruns its data");
    if (command.name === "PING" || command.data.length <= 18) {
      const ping = decodePing(command.data);
      check(ping.context.length <= 16, "PING context above 16 octets");
    }
  },
};

const metadataTarget: FuzzTarget = {
  name: "ZMTP metadata",
  seeds: [
    encodeMetadata(new Map([["Socket-Type", Buffer.from("ROUTER")], ["Identity", Buffer.alloc(0)]])),
    encodeMetadata(new Map([["Socket-Type", Buffer.from("SUB")], ["X-Custom.Name_1+", Buffer.alloc(300, 0x41)]])),
    encodeMetadata(new Map([["User-Id", Buffer.from("alice")]])),
    Buffer.alloc(0),
  ],
  allowed: (error) => typedError(error, ProtocolError, ["ERR_ZMTP_INVALID_METADATA"]),
  run(input, random) {
    const offset = random.chance(0.8) ? 0 : random.below(input.length + 2);
    const metadata = decodeMetadata(input, offset);
    let total = 0;
    for (const [name, value] of metadata) {
      total += 1 + name.length + 4 + value.length;
      check(getProperty(metadata, name.toUpperCase()) !== undefined, "case-insensitive lookup missed a property");
    }
    // Later duplicates replace earlier ones, so the properties kept fit in the input.
    check(total <= Math.max(0, input.length - offset), "properties larger than their input");
  },
};

describe("fuzz: ZMTP commands and metadata", () => {
  fuzzTest(commandTarget);
  fuzzTest(metadataTarget);
});
