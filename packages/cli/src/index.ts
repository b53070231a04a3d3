/**
 * @skein/cli: the `skein` command. Send and receive ZeroMQ messages from a
 * shell (against skein or any libzmq peer), call `@skein/service` services,
 * watch socket events, run proxies, make CURVE keys, generate typed code
 * from `.proto` files. `main(argv)` runs it in-process.
 */
export { main, COMMANDS } from "./main.js";
export { newProject } from "./new-project.js";
export type { Command } from "./commands/command.js";
export type { Output } from "./output.js";
export { ExitCode, RemoteError, TimeoutError, UnavailableError, UsageError } from "./exit-code.js";
export { formatMessage, decodeFrames, type FrameEncoding } from "./frames.js";
export { SOCKET_TYPES } from "./socket-types.js";
