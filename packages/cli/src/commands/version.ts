/** `skein version`. */
import { version as zmqVersion } from "@skein/core";
import { parseArgs } from "../args.js";
import { ExitCode } from "../exit-code.js";
import type { Command } from "./command.js";

/** The version of `@skein/cli`. */
export const VERSION = "0.1.0";

export const version: Command = {
  name: "version",
  summary: "print the version",
  usage: `usage: skein version
example:
  skein version`,

  async run(argv, io) {
    parseArgs(argv, [], []);
    io.out(`skein ${VERSION} (ZMTP 3.1, behaves as libzmq ${zmqVersion})`);
    return ExitCode.OK;
  },
};
