/**
 * @skein/cli: the `skein` command. Send and receive ZeroMQ messages from a
 * shell (against skein or any libzmq peer), make CURVE keys, generate typed
 * code from `.proto` files. `main(argv)` runs it in-process.
 */
export { main, type Output } from "./main.js";
export { newProject } from "./new-project.js";
export { formatMessage } from "./format.js";
export { SOCKET_TYPES } from "./socket-types.js";
