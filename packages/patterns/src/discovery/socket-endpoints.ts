/**
 * SocketEndpoints: one core socket kept connected to every endpoint of an
 * {@link EndpointSet}: `connect` for each endpoint added, `disconnect` for
 * each removed once its connection has ended (its peer left, so what it
 * sent has arrived) or `retireTimeout` ms have passed; at once when it has
 * no connection up. A failed connection to a resolved endpoint asks the set
 * to resolve again. For patterns whose one socket talks to every peer alike
 * (SUB to every publisher).
 */
import type { Socket } from "@skein/core";
import { PatternError } from "../errors.js";
import { type EndpointChange, EndpointSet, type ResolveOptions } from "./endpoint-set.js";

export class SocketEndpoints {
  readonly #socket: Socket;
  readonly #set: EndpointSet;
  readonly #retireTimeout: number;
  readonly #onError: ((error: PatternError) => void) | undefined;
  /** Endpoints whose connection is up (handshake done, no disconnect since). */
  readonly #up = new Set<string>();
  /** Removed endpoints still connected, waiting for their peer to leave. */
  readonly #retiring = new Map<string, NodeJS.Timeout>();

  constructor(socket: Socket, endpoints: readonly string[], options: ResolveOptions = {}) {
    this.#socket = socket;
    this.#retireTimeout = options.retireTimeout ?? 30_000;
    this.#onError = options.onError;
    this.#set = new EndpointSet(endpoints, { ...options, onChange: (change) => this.#change(change) });
    socket.events
      .on("handshake", ({ address }) => {
        if (address !== undefined) this.#up.add(address);
      })
      .on("disconnect", ({ address }) => this.#down(address))
      .on("connect:retry", ({ address }) => this.#down(address));
  }

  /** The endpoints connected now (resolved addresses and static ones). */
  get endpoints(): string[] {
    return this.#set.endpoints;
  }

  /** The set behind it (stats, `resolved`). */
  get set(): EndpointSet {
    return this.#set;
  }

  /** Connects the static endpoints at once and resolves the names; see {@link EndpointSet.start}. */
  start(): Promise<void> {
    return this.#set.start();
  }

  /** Stops resolving and retiring (the socket's own close drops every connection). */
  close(): void {
    this.#set.close();
    for (const timer of this.#retiring.values()) clearTimeout(timer);
    this.#retiring.clear();
  }

  #change({ added, removed }: EndpointChange): void {
    for (const endpoint of added) {
      const timer = this.#retiring.get(endpoint);
      if (timer !== undefined) {
        // Back in DNS before its peer left: keep the connection.
        clearTimeout(timer);
        this.#retiring.delete(endpoint);
        continue;
      }
      try {
        this.#socket.connect(endpoint);
      } catch (error) {
        throw new PatternError("EINVAL", `Cannot connect to ${endpoint}: ${(error as Error).message}`, { cause: error });
      }
    }
    for (const endpoint of removed) {
      if (!this.#up.has(endpoint)) {
        this.#disconnect(endpoint);
        continue;
      }
      const timer = setTimeout(() => this.#disconnect(endpoint), this.#retireTimeout);
      this.#retiring.set(endpoint, timer);
    }
  }

  #down(address: string | undefined): void {
    if (address === undefined) return;
    this.#up.delete(address);
    if (this.#retiring.has(address)) this.#disconnect(address);
    else if (this.#set.endpoints.includes(address)) this.#set.refresh();
  }

  #disconnect(endpoint: string): void {
    const timer = this.#retiring.get(endpoint);
    if (timer !== undefined) clearTimeout(timer);
    this.#retiring.delete(endpoint);
    this.#up.delete(endpoint);
    if (this.#socket.closed) return;
    try {
      this.#socket.disconnect(endpoint);
    } catch (error) {
      const report = new PatternError("EINVAL", `Cannot disconnect from ${endpoint}: ${(error as Error).message}`, { cause: error });
      if (this.#onError !== undefined) this.#onError(report);
      else process.emitWarning(report.message, { code: "SKEIN_DNS_EINVAL" });
    }
  }
}
