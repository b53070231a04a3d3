/** `skein gen`: the `skein-codegen` generator of `@skein/codec`. */
import type { Command } from "./command.js";

export const gen: Command = {
  name: "gen",
  summary: "generate typed TypeScript from .proto files (skein-codegen)",
  usage: `usage: skein gen --out DIR [-I DIR]... [--runtime MODULE] [--no-index] FILE.proto...
  Writes one TypeScript module per .proto file into DIR: message interfaces and codecs, enums,
  service client/server interfaces and descriptors (the skein-codegen command of @skein/codec).
example:
  skein gen --out src/generated proto/greeter.proto`,

  async run(argv) {
    // Loaded on use: protobufjs is a heavy import the other commands do not need.
    const { codegenMain } = await import("@skein/codec");
    return codegenMain(argv);
  },
};
