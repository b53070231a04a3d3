/**
 * probe-server.ts in a browser (the package.json `browser` field maps it
 * here): a page cannot listen for HTTP, so an app given `probes.http` fails
 * to start there. Everything else of an app runs in a page (docs/browser.md).
 */
import type { ProbeHttpOptions, ProbeState } from "./probe-server.js";

export type { ProbeHttpOptions, ProbeState } from "./probe-server.js";

/** {@link ProbeServer} of probe-server.ts, refusing to listen. */
export class ProbeServer {
  private constructor() {}

  static listen(_options: ProbeHttpOptions, _state: ProbeState): Promise<ProbeServer> {
    return Promise.reject(Object.assign(new Error("A browser cannot serve HTTP probes: leave probes.http unset in a page"), { code: "EPROTONOSUPPORT" }));
  }

  get url(): string {
    return "";
  }

  async close(): Promise<void> {}
}
