/**
 * EndpointSet: the endpoints a pattern connects to, with the `+dns` and
 * `+srv` ones (see dns-endpoint.ts) resolved to one endpoint per address and
 * kept current: every name is resolved again each `refreshInterval` ms and,
 * at most once per `minRefreshInterval` ms, when a pattern reports a failed
 * connection ({@link EndpointSet.refresh}). Each change reaches `onChange`
 * as the endpoints added and removed; what a pattern does with them (connect
 * a socket, open one, finish in-flight work on a removed one first) is its
 * own affair.
 *
 * A failed resolution keeps the endpoints the name had (a DNS outage must
 * not drop instances that still run) and is retried sooner; an empty answer
 * (NXDOMAIN, no records) removes them: DNS says there is no instance.
 */
import { PatternError, checkNumber } from "../errors.js";
import { DnsLookup, type DnsOptions, type SrvTarget } from "./dns-lookup.js";
import { type DnsEndpoint, formatEndpoint, parseDnsEndpoint } from "./dns-endpoint.js";

/** How `+dns` and `+srv` endpoints are resolved and kept current. */
export interface ResolveOptions extends DnsOptions {
  /**
   * Milliseconds between two resolutions of every name. Default 30000: the
   * least time between resolutions of gRPC's DNS resolver
   * (`grpc.dns_min_time_between_resolutions_ms`).
   */
  refreshInterval?: number;
  /**
   * Least milliseconds between two resolutions when connections fail (each
   * failure asks for one): a crash loop of instances cannot turn into a
   * query storm. Default 1000.
   */
  minRefreshInterval?: number;
  /**
   * Most endpoints one name may resolve to (A/AAAA addresses, or SRV
   * targets' addresses): DNS answers are input too. Those in use are kept
   * first, then the answer's order; the rest are left out and reported
   * (`E2BIG` to `onError`). Default 64.
   */
  maxAddresses?: number;
  /**
   * Milliseconds a removed endpoint keeps its connection for its in-flight
   * work (replies awaited, events on their way, jobs running) before it is
   * closed anyway. Default 30000.
   */
  retireTimeout?: number;
  /**
   * Called with a resolution that failed (`ENAMERESOLUTION`, the name keeps
   * its endpoints and is asked again sooner) or an answer cut to
   * `maxAddresses` (`E2BIG`). Default: `process.emitWarning`.
   */
  onError?: (error: PatternError) => void;
}

/** Endpoints added and removed by a change of an {@link EndpointSet}. */
export interface EndpointChange {
  /** Endpoints to connect now. */
  added: string[];
  /** Endpoints no longer named: finish their in-flight work, then disconnect. */
  removed: string[];
}

/** What changes from `current` to `next` (each endpoint once, in `next`'s order). */
export function diffEndpoints(current: Iterable<string>, next: Iterable<string>): EndpointChange {
  const before = new Set(current);
  const after = new Set(next);
  return {
    added: [...after].filter((endpoint) => !before.has(endpoint)),
    removed: [...before].filter((endpoint) => !after.has(endpoint)),
  };
}

/** Keeps the endpoints in use first, then `answer`'s order, up to `max`. */
export function boundAnswer(answer: readonly string[], inUse: ReadonlySet<string>, max: number): { kept: string[]; dropped: number } {
  const unique = [...new Set(answer)];
  if (unique.length <= max) return { kept: unique, dropped: 0 };
  const kept = [...unique.filter((endpoint) => inUse.has(endpoint)), ...unique.filter((endpoint) => !inUse.has(endpoint))].slice(0, max);
  return { kept, dropped: unique.length - max };
}

/** The endpoints of SRV records: the lowest priority's targets, each target's every address. */
async function srvEndpoints(lookup: DnsLookup, records: readonly SrvTarget[], name: DnsEndpoint & { kind: "srv" }, max: number): Promise<string[]> {
  // RFC 2782: a target of "." means the service is decidedly not available; a port of 0 is no port.
  const usable = records.filter((record) => record.name !== "" && record.name !== "." && record.port > 0);
  if (usable.length === 0) return [];
  const lowest = Math.min(...usable.map((record) => record.priority));
  const chosen = usable.filter((record) => record.priority === lowest).slice(0, max);
  const addresses = await Promise.all(chosen.map((record) => lookup.addresses(record.name)));
  return chosen.flatMap((record, i) => addresses[i]!.map((address) => formatEndpoint(name.transport, address, record.port, name.path)));
}

/**
 * The live set of endpoints behind a list of written ones.
 *
 * ```ts
 * const set = new EndpointSet(["tcp+dns://greeter:5701"], {
 *   onChange: ({ added, removed }) => { for (const e of added) socket.connect(e); for (const e of removed) socket.disconnect(e) },
 * })
 * await set.start()
 * ```
 */
export class EndpointSet {
  readonly #written: DnsEndpoint[];
  readonly #names: (DnsEndpoint & { kind: "dns" | "srv" })[];
  readonly #perName = new Map<string, string[]>();
  readonly #onChange: (change: EndpointChange) => void;
  readonly #onError: (error: PatternError) => void;
  readonly #options: ResolveOptions;
  readonly #refreshInterval: number;
  readonly #minRefreshInterval: number;
  readonly #maxAddresses: number;
  #lookup: DnsLookup | null = null;
  #current = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #lastStarted = 0;
  #failures = 0;
  #resolved = false;
  #started = false;
  #closed = false;
  #resolutions = 0;
  #errors = 0;

  /** @throws {@link PatternError} `EINVAL` for a malformed `+dns`/`+srv` endpoint or option */
  constructor(endpoints: readonly string[], options: ResolveOptions & { onChange: (change: EndpointChange) => void }) {
    checkNumber("resolve.refreshInterval", options.refreshInterval, 1);
    checkNumber("resolve.minRefreshInterval", options.minRefreshInterval, 0);
    checkNumber("resolve.maxAddresses", options.maxAddresses, 1);
    checkNumber("resolve.retireTimeout", options.retireTimeout, 0);
    this.#written = endpoints.map(parseDnsEndpoint);
    this.#names = this.#written.filter((endpoint): endpoint is DnsEndpoint & { kind: "dns" | "srv" } => endpoint.kind !== "static");
    this.#options = options;
    this.#onChange = options.onChange;
    this.#onError = options.onError ?? ((error) => process.emitWarning(error.message, { code: `SKEIN_DNS_${error.code}` }));
    this.#refreshInterval = options.refreshInterval ?? 30_000;
    this.#minRefreshInterval = options.minRefreshInterval ?? 1000;
    this.#maxAddresses = options.maxAddresses ?? 64;
  }

  /** Whether any endpoint is a name to resolve (otherwise the set never changes after {@link start}). */
  get dynamic(): boolean {
    return this.#names.length > 0;
  }

  /** The endpoints now, one per resolved address, plus the static ones. */
  get endpoints(): string[] {
    return [...this.#current];
  }

  /** Whether every name has been resolved once (successfully or not). */
  get resolved(): boolean {
    return this.#resolved;
  }

  /** Resolutions done (each asks every name once) and those that failed or were cut to `maxAddresses`. */
  get stats(): { resolutions: number; errors: number } {
    return { resolutions: this.#resolutions, errors: this.#errors };
  }

  /**
   * Adds the static endpoints at once (before returning), then resolves the
   * names; resolves once they have been asked once (a failure is reported to
   * `onError`, not thrown: the set keeps trying).
   */
  start(): Promise<void> {
    if (this.#started || this.#closed) return this.#running ?? Promise.resolve();
    this.#started = true;
    this.#apply(this.#written.filter((endpoint) => endpoint.kind === "static").map((endpoint) => endpoint.address));
    if (this.#names.length === 0) {
      this.#resolved = true;
      return Promise.resolve();
    }
    this.#lookup = new DnsLookup(this.#options);
    return this.#resolve();
  }

  /**
   * Resolves again soon: at once, or `minRefreshInterval` ms after the
   * previous resolution began. Patterns call it when a connection to one of
   * the endpoints fails (the instance may have moved).
   */
  refresh(): void {
    if (!this.#started || this.#closed || this.#names.length === 0 || this.#running !== null) return;
    const wait = this.#lastStarted + this.#minRefreshInterval - Date.now();
    if (wait <= 0) void this.#resolve();
    else this.#schedule(Math.min(wait, this.#nextDelay()));
  }

  /** Stops resolving; no `onChange` after this. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#lookup?.cancel();
  }

  #schedule(delay: number): void {
    if (this.#closed) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#resolve();
    }, delay);
    // The pattern's sockets keep the process alive while they are open; the timer alone must not.
    this.#timer.unref();
  }

  /** After a failure: `minRefreshInterval` doubling per consecutive failure, up to `refreshInterval`. */
  #nextDelay(): number {
    if (this.#failures === 0) return this.#refreshInterval;
    return Math.min(this.#refreshInterval, Math.max(this.#minRefreshInterval, 250) * 2 ** (this.#failures - 1));
  }

  #resolve(): Promise<void> {
    if (this.#running !== null) return this.#running;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#lastStarted = Date.now();
    const running = this.#resolveAll().catch((error: unknown) => {
      // Only onChange can throw here (a pattern that could not use an endpoint): report it, keep resolving.
      this.#report(error instanceof PatternError ? error : new PatternError("EINVAL", `Applying a resolution failed: ${(error as Error).message}`, { cause: error }));
    }).finally(() => {
      this.#running = null;
      this.#schedule(this.#nextDelay());
    });
    this.#running = running;
    return running;
  }

  async #resolveAll(): Promise<void> {
    const lookup = this.#lookup!;
    let failed = false;
    await Promise.all(this.#names.map(async (name) => {
      try {
        const answer = name.kind === "dns"
          ? (await lookup.addresses(name.name)).map((address) => formatEndpoint(name.transport, address, name.port, name.path))
          : await srvEndpoints(lookup, await lookup.srv(name.name), name, this.#maxAddresses);
        const { kept, dropped } = boundAnswer(answer, this.#current, this.#maxAddresses);
        if (dropped > 0) this.#report(new PatternError("E2BIG", `${name.address} resolved to ${answer.length} endpoints: ${dropped} left out (resolve.maxAddresses is ${this.#maxAddresses})`));
        this.#perName.set(name.address, kept);
      } catch (error) {
        failed = true;
        const code = (error as { code?: string }).code ?? "unknown";
        this.#report(new PatternError("ENAMERESOLUTION", `Cannot resolve ${name.address} (${code}): keeping its ${this.#perName.get(name.address)?.length ?? 0} endpoints, asking again soon`, { cause: error }));
      }
    }));
    if (this.#closed) return;
    this.#resolutions++;
    this.#failures = failed ? this.#failures + 1 : 0;
    this.#resolved = true;
    const statics = this.#written.filter((endpoint) => endpoint.kind === "static").map((endpoint) => endpoint.address);
    this.#apply([...statics, ...[...this.#perName.values()].flat()]);
  }

  #apply(next: readonly string[]): void {
    const change = diffEndpoints(this.#current, next);
    if (change.added.length === 0 && change.removed.length === 0) return;
    this.#current = new Set(next);
    this.#onChange(change);
  }

  #report(error: PatternError): void {
    this.#errors++;
    if (!this.#closed) this.#onError(error);
  }
}
