/** `skein keygen`: a CURVE key pair. */
import { curveKeyPair } from "@skein/core";
import { parseArgs } from "../args.js";
import { ExitCode } from "../exit-code.js";
import type { Command } from "./command.js";

export const keygen: Command = {
  name: "keygen",
  summary: "print a CURVE key pair (Z85)",
  usage: `usage: skein keygen
  Prints a new CURVE key pair in Z85, for curvePublicKey / curveSecretKey (and curveServerKey on clients).
example:
  skein keygen`,

  async run(argv, io) {
    parseArgs(argv, [], []);
    const { publicKey, secretKey } = curveKeyPair();
    io.out(`public: ${publicKey}`);
    io.out(`secret: ${secretKey}`);
    return ExitCode.OK;
  },
};
