/**
 * dns-lookup.ts in a browser (patterns' package.json maps it here for the
 * `browser` field): a page cannot query DNS records, so `+dns` and `+srv`
 * endpoints fail with `EPROTONOSUPPORT`; connect to ws:// endpoints instead.
 */
import { PatternError } from "../errors.js";
import type { DnsOptions, SrvTarget } from "./dns-lookup.js";

export type { DnsOptions, SrvTarget } from "./dns-lookup.js";

function unsupported(name: string): PatternError {
  return new PatternError("EPROTONOSUPPORT", `A browser cannot look up DNS records (${name}): connect to ws:// endpoints (see docs/browser.md)`);
}

/** {@link DnsLookup} of dns-lookup.ts, refusing every query. */
export class DnsLookup {
  constructor(_options: DnsOptions = {}) {}

  addresses(name: string): Promise<string[]> {
    return Promise.reject(unsupported(name));
  }

  srv(name: string): Promise<SrvTarget[]> {
    return Promise.reject(unsupported(name));
  }

  cancel(): void {}
}
