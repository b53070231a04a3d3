/**
 * `@skein/codec`: typed calls and events as ZeroMQ frames, encoded with
 * protobufjs. See docs/wire-format.md for the bytes on the wire.
 */
export * from "./api.js";
export { generateTypeScript, type GeneratedFile, type GenerateOptions } from "./codegen/generate.js";
/** The `skein-codegen` command as a function (also `skein gen`): returns the exit code. */
export { main as codegenMain } from "./codegen/cli.js";
