/**
 * Broker: a request-reply broker with a ROUTER front (clients) and a ROUTER
 * back (workers) that load-balances requests to workers which announce
 * readiness, per service name ("majordomo"), with heartbeats both ways
 * ("paranoid pirate"): a worker silent for `heartbeatLiveness` periods is
 * dropped (its unanswered requests go to another worker once), and
 * {@link BrokerWorker}s reconnect when the broker goes silent.
 *
 * Requests for a service with no worker with credit wait in a bounded
 * per-service queue (`maxQueue`); beyond it they are dropped (counted) and
 * the client's timeout and retry take over.
 */
import { Bytes, Context, Router } from "@skein/core";
import { PatternError, checkNumber } from "./errors.js";
import { DISCONNECT, FAIL, FRAME, MMI_SERVICE, READY, REPLY } from "./broker-protocol.js";
import { decodeU32 } from "./util/codec.js";
import { pickByCredit } from "./util/credit-pick.js";
import { PeerFaults } from "./util/peer-faults.js";

/** Options of {@link Broker}. */
export interface BrokerOptions {
  /** Endpoints clients connect to. */
  frontend: string[];
  /** Endpoints workers connect to. */
  backend: string[];
  /** Context of the sockets (default: `@skein/core`'s shared context). */
  context?: Context;
  /** Heartbeat period in ms. Default 1000. */
  heartbeatInterval?: number;
  /** Missed periods before a worker is dropped. Default 3. */
  heartbeatLiveness?: number;
  /** Requests waiting per service. Default 10000. */
  maxQueue?: number;
  /**
   * Services known at once (with a worker or a waiting request). A request
   * naming a further service is dropped (counted in `dropped`), so clients
   * inventing names cannot grow the broker without bound. Default 1000.
   */
  maxServices?: number;
  /** Called with a send that failed (`sendErrors`) and a peer's protocol error (`protocolErrors`). */
  onError?: (error: unknown) => void;
}

/** Counters of a {@link Broker}. */
export interface BrokerStats {
  /** Workers known now, all services. */
  workers: number;
  /** Requests waiting for a worker, all services. */
  queued: number;
  /** Requests sent to workers and not yet answered. */
  inFlight: number;
  /** Replies relayed to clients. */
  replied: number;
  /** Requests dropped: queue full, or their worker died after a requeue. */
  dropped: number;
  /** Workers dropped after missed heartbeats. */
  deadWorkers: number;
  /** Sends that failed (reported to `onError`). */
  sendErrors: number;
  /** Messages of clients or workers that broke the protocol: dropped (reported to `onError`). */
  protocolErrors: number;
}

interface Request {
  readonly client: Buffer;
  readonly correlation: Buffer;
  readonly service: string;
  readonly frames: Buffer[];
  requeued: boolean;
}

interface BrokerWorkerState {
  readonly key: string;
  readonly id: Buffer;
  readonly service: string;
  credit: number;
  /** The credit its READY announced: replies never raise `credit` above it. */
  capacity: number;
  expiry: number;
  /** {@link pickByCredit}: the broker's send count when it was last sent a request. */
  lastSent: number;
  /** Requests sent and unanswered, by client id + correlation id. */
  readonly requests: Map<string, Request>;
}

interface Service {
  readonly queue: Request[];
  readonly workers: Set<BrokerWorkerState>;
}

/**
 * A service broker.
 *
 * ```ts
 * const broker = new Broker({ frontend: ["tcp://*:5555"], backend: ["tcp://*:5556"] })
 * await broker.start()
 * // workers: new BrokerWorker({ connect: ["tcp://broker:5556"], service: "echo" })
 * // clients: new RpcClient({ endpoints: ["tcp://broker:5555"], service: "echo" })
 * ```
 */
export class Broker {
  readonly #options: BrokerOptions;
  readonly #interval: number;
  readonly #liveness: number;
  readonly #maxQueue: number;
  readonly #maxServices: number;
  readonly #services = new Map<string, Service>();
  readonly #workers = new Map<string, BrokerWorkerState>();
  #front: Router | null = null;
  #back: Router | null = null;
  #frontendEndpoints: string[] = [];
  #backendEndpoints: string[] = [];
  #heartbeat: NodeJS.Timeout | null = null;
  #loops: Promise<void>[] = [];
  #closed = false;
  /** Requests sent to workers so far: {@link BrokerWorkerState.lastSent}'s clock. */
  #sends = 0;
  readonly #stats = { replied: 0, dropped: 0, deadWorkers: 0 };
  readonly #faults: PeerFaults;

  constructor(options: BrokerOptions) {
    if (options === null || typeof options !== "object" || !Array.isArray(options.frontend) || !Array.isArray(options.backend)) {
      throw new PatternError("EINVAL", "Broker needs options.frontend and options.backend endpoint lists");
    }
    checkNumber("heartbeatInterval", options.heartbeatInterval, 1);
    checkNumber("heartbeatLiveness", options.heartbeatLiveness, 1);
    checkNumber("maxQueue", options.maxQueue, 1);
    checkNumber("maxServices", options.maxServices, 1);
    this.#options = options;
    this.#interval = options.heartbeatInterval ?? 1000;
    this.#liveness = options.heartbeatLiveness ?? 3;
    this.#maxQueue = options.maxQueue ?? 10_000;
    this.#maxServices = options.maxServices ?? 1000;
    this.#faults = new PeerFaults(options.onError);
  }

  /** Client endpoints bound (real ports), after {@link start}. */
  get frontendEndpoints(): string[] {
    return [...this.#frontendEndpoints];
  }

  /** Worker endpoints bound (real ports), after {@link start}. */
  get backendEndpoints(): string[] {
    return [...this.#backendEndpoints];
  }

  /** Counters. */
  get stats(): BrokerStats {
    let queued = 0;
    for (const s of this.#services.values()) queued += s.queue.length;
    let inFlight = 0;
    for (const w of this.#workers.values()) inFlight += w.requests.size;
    return { workers: this.#workers.size, queued, inFlight, ...this.#stats, sendErrors: this.#faults.sendErrors, protocolErrors: this.#faults.protocolErrors };
  }

  /** Binds both sides and starts heart-beating. */
  async start(): Promise<void> {
    if (this.#closed) throw new PatternError("ECLOSED", "Broker is closed");
    if (this.#front !== null) return;
    const context = this.#options.context === undefined ? {} : { context: this.#options.context };
    // Replies and requests are sent without awaiting each other: let them queue (skein's maxPendingSends).
    this.#front = new Router({ linger: 0, maxPendingSends: 0, ...context });
    this.#back = new Router({ linger: 0, mandatory: true, maxPendingSends: 0, ...context });
    try {
      for (const address of this.#options.frontend) {
        await this.#front.bind(address);
        this.#frontendEndpoints.push(this.#front.lastEndpoint ?? address);
      }
      for (const address of this.#options.backend) {
        await this.#back.bind(address);
        this.#backendEndpoints.push(this.#back.lastEndpoint ?? address);
      }
    } catch (error) {
      await this.close();
      throw error;
    }
    this.#loops = [this.#frontLoop(this.#front), this.#backLoop(this.#back)];
    this.#heartbeat = setInterval(() => this.#tick(), this.#interval);
  }

  /** Closes both sockets; waiting requests are dropped (clients retry elsewhere). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#front?.close();
    this.#back?.close();
    this.#services.clear();
    this.#workers.clear();
    await Promise.all(this.#loops);
  }

  /** The service `name`, made if there is room (a worker's READY always makes room). */
  #service(name: string, forWorker = true): Service | undefined {
    let service = this.#services.get(name);
    if (service === undefined) {
      if (!forWorker && this.#services.size >= this.#maxServices) return undefined;
      this.#services.set(name, (service = { queue: [], workers: new Set() }));
    }
    return service;
  }

  /** Forgets a service with no worker and no waiting request. */
  #forgetIfIdle(name: string): void {
    const service = this.#services.get(name);
    if (service !== undefined && service.workers.size === 0 && service.queue.length === 0) this.#services.delete(name);
  }

  async #frontLoop(front: Router): Promise<void> {
    for (;;) {
      let message: Buffer[];
      try {
        message = await front.receive();
      } catch {
        return;
      }
      const [client, correlation, service] = message;
      if (correlation === undefined || correlation.length !== 8 || service === undefined) {
        this.#stats.dropped++;
        this.#faults.protocol("A request without an 8-byte correlation id and a service was dropped");
        continue;
      }
      const name = service.toString();
      if (name === MMI_SERVICE) {
        const asked = this.#services.get(message[3]?.toString() ?? "");
        const known = asked !== undefined && asked.workers.size > 0;
        front.send([client!, correlation, Bytes.from(known ? "200" : "404")]).catch(this.#faults.sendFailed);
        continue;
      }
      const request: Request = { client: client!, correlation, service: name, frames: message.slice(3), requeued: false };
      const s = this.#service(name, false);
      if (s === undefined || s.queue.length >= this.#maxQueue) {
        this.#stats.dropped++;
        continue;
      }
      s.queue.push(request);
      this.#dispatch(s);
    }
  }

  #dispatch(service: Service): void {
    while (service.queue.length > 0) {
      const best = pickByCredit(service.workers);
      if (best === null) return;
      const request = service.queue.shift()!;
      best.credit--;
      best.lastSent = ++this.#sends;
      best.requests.set(request.client.toString("latin1") + request.correlation.toString("latin1"), request);
      this.#back!.send([best.id, FRAME.REQUEST, request.client, request.correlation, ...request.frames]).catch((error: unknown) => {
        // EHOSTUNREACH: the worker is gone; its requests go to another once.
        this.#faults.sendFailed(error);
        if (this.#workers.get(best.key) === best) this.#removeWorker(best);
      });
    }
  }

  #removeWorker(worker: BrokerWorkerState): void {
    this.#workers.delete(worker.key);
    const service = this.#services.get(worker.service);
    service?.workers.delete(worker);
    for (const request of worker.requests.values()) {
      if (request.requeued || service === undefined) {
        this.#stats.dropped++;
      } else {
        // Once: a request that kills every worker it meets must not go round forever.
        request.requeued = true;
        service.queue.unshift(request);
      }
    }
    worker.requests.clear();
    if (service !== undefined) this.#dispatch(service);
    this.#forgetIfIdle(worker.service);
  }

  #tick(): void {
    const now = Date.now();
    for (const worker of [...this.#workers.values()]) {
      if (worker.expiry < now) {
        this.#stats.deadWorkers++;
        this.#removeWorker(worker);
      } else {
        // A worker gone (EHOSTUNREACH) is also dropped when its expiry passes.
        this.#back!.send([worker.id, FRAME.HEARTBEAT]).catch(this.#faults.sendFailed);
      }
    }
  }

  async #backLoop(back: Router): Promise<void> {
    for (;;) {
      let message: Buffer[];
      try {
        message = await back.receive();
      } catch {
        return;
      }
      const id = message[0]!;
      const key = id.toString("latin1");
      const command = message[1];
      if (command === undefined || command.length !== 1) {
        this.#faults.protocol("A worker message without a one-octet command was dropped");
        continue;
      }
      let worker = this.#workers.get(key);
      if (command[0] === READY) {
        const service = message[2]?.toString();
        const credit = decodeU32(message[3]);
        if (service === undefined || service.length === 0 || credit === undefined) {
          this.#faults.protocol("A READY without a service name and a 4-octet credit was dropped");
          continue;
        }
        if (worker !== undefined && worker.service !== service) {
          this.#removeWorker(worker);
          worker = undefined;
        }
        if (worker === undefined) {
          worker = { key, id, service, credit: 0, capacity: 0, expiry: 0, lastSent: 0, requests: new Map() };
          this.#workers.set(key, worker);
          this.#service(service)!.workers.add(worker);
        }
        worker.credit = credit;
        worker.capacity = worker.requests.size + credit;
        worker.expiry = Date.now() + this.#interval * this.#liveness;
        this.#dispatch(this.#service(service)!);
        continue;
      }
      if (worker === undefined) {
        // A worker from before a restart: it must register again (RFC 7: DISCONNECT).
        if (command[0] !== DISCONNECT) back.send([id, FRAME.DISCONNECT]).catch(this.#faults.sendFailed);
        continue;
      }
      worker.expiry = Date.now() + this.#interval * this.#liveness;
      if ((command[0] === REPLY || command[0] === FAIL) && message.length >= 4) {
        const client = message[2]!;
        const correlation = message[3]!;
        const known = worker.requests.delete(client.toString("latin1") + correlation.toString("latin1"));
        if (!known) {
          // A reply to a request this worker was not given: never relayed.
          this.#faults.protocol("A worker answered a request it was not given: dropped");
          continue;
        }
        worker.credit = Math.min(worker.capacity, worker.credit + 1);
        if (command[0] === REPLY) {
          this.#stats.replied++;
          this.#front!.send([client, correlation, ...message.slice(4)]).catch(this.#faults.sendFailed);
        }
        this.#dispatch(this.#service(worker.service)!);
      } else if (command[0] === DISCONNECT) {
        this.#removeWorker(worker);
      }
    }
  }
}
