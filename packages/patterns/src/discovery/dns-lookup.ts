/**
 * The DNS queries behind `+dns` and `+srv` endpoints, through `node:dns`:
 * with no `servers` given, A/AAAA through the system's resolver (`lookup`,
 * getaddrinfo: /etc/hosts, the search domains and `ndots` of
 * /etc/resolv.conf, as `net.connect` resolves a `tcp://name:port` today, so
 * a short Kubernetes name like `greeter` works) and SRV through a
 * `dns.Resolver` reading /etc/resolv.conf; with `servers`, every query goes
 * to them (a test's DNS server on a loopback port, a Consul agent on 8600).
 */
import { promises as dns } from "node:dns";
import { isIP } from "node:net";

/** How names are resolved. */
export interface DnsOptions {
  /**
   * DNS servers to ask, as `dns.setServers` takes them (`"127.0.0.1:5353"`,
   * `"[::1]:53"`). Default: the system's (see above).
   */
  servers?: readonly string[];
  /** Which addresses of a name: `4` (A), `6` (AAAA) or `0` (both, the default). */
  family?: 0 | 4 | 6;
  /** Milliseconds one query waits for a server before trying again (`dns.Resolver`'s `timeout`). Default 2000. */
  queryTimeout?: number;
  /** Attempts of one query per server (`dns.Resolver`'s `tries`). Default 2. */
  queryTries?: number;
}

/** One SRV record, as RFC 2782 defines it. */
export interface SrvTarget {
  /** Host name of an instance. */
  name: string;
  /** Its port. */
  port: number;
  /** Lower is preferred: only the records of the lowest priority are used. */
  priority: number;
  /** Share within a priority (not used: every instance gets calls in turn). */
  weight: number;
}

/** Errors that mean "the name has no such records now" (an empty answer), not "DNS failed". */
const NO_RECORDS = new Set(["ENOTFOUND", "ENODATA", "NOTFOUND", "NODATA"]);

/** Whether `error` is an empty answer (NXDOMAIN, NODATA) rather than a failure. */
export function isNoRecords(error: unknown): boolean {
  return NO_RECORDS.has((error as { code?: string } | null)?.code ?? "");
}

/** Queries A/AAAA and SRV records; see the file's comment for which resolver answers. */
export class DnsLookup {
  readonly #resolver: dns.Resolver;
  readonly #system: boolean;
  readonly #family: 0 | 4 | 6;

  constructor(options: DnsOptions = {}) {
    this.#resolver = new dns.Resolver({ timeout: options.queryTimeout ?? 2000, tries: options.queryTries ?? 2 });
    if (options.servers !== undefined && options.servers.length > 0) this.#resolver.setServers([...options.servers]);
    this.#system = options.servers === undefined || options.servers.length === 0;
    this.#family = options.family ?? 0;
  }

  /** Every address of `name` (A and/or AAAA), in the order of the answer; `[]` when it has none. */
  async addresses(name: string): Promise<string[]> {
    const bare = name.endsWith(".") ? name.slice(0, -1) : name;
    if (isIP(bare) !== 0) return [bare];
    if (this.#system) {
      try {
        const found = await dns.lookup(bare, { all: true, family: this.#family, verbatim: true });
        return found.map((entry) => entry.address);
      } catch (error) {
        if (isNoRecords(error)) return [];
        throw error;
      }
    }
    const queries: Promise<string[]>[] = [];
    if (this.#family !== 6) queries.push(this.#resolver.resolve4(bare));
    if (this.#family !== 4) queries.push(this.#resolver.resolve6(bare));
    const answers = await Promise.allSettled(queries);
    const failed = answers.find((answer) => answer.status === "rejected" && !isNoRecords(answer.reason));
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    return answers.flatMap((answer) => (answer.status === "fulfilled" ? answer.value : []));
  }

  /** The SRV records of `name`; `[]` when it has none. */
  async srv(name: string): Promise<SrvTarget[]> {
    try {
      return await this.#resolver.resolveSrv(name);
    } catch (error) {
      if (isNoRecords(error)) return [];
      throw error;
    }
  }

  /** Cancels the queries under way: they reject with `ECANCELLED`. */
  cancel(): void {
    this.#resolver.cancel();
  }
}
