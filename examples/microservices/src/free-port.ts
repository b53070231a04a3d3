/** A TCP port free right now on the loopback interface (for the launcher and the tests). */
import { createServer } from "node:net";

/** Resolves with a port nothing listens on now (the OS's pick for port 0, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
