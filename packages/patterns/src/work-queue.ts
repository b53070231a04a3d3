/**
 * WorkQueue: the ventilator side of a pipeline with credit-based flow
 * control, acknowledgement and redelivery.
 *
 * Sockets: ROUTER here, DEALER in each {@link Worker}. PUSH/PULL cannot
 * carry acknowledgements back and round-robins blindly (a slow worker's
 * queue fills while others idle), so the pipeline runs over DEALER/ROUTER:
 * workers announce credits (READY), the queue sends an item only to a worker
 * with credit, and each ACK/NACK returns a credit. An item stays "unacked"
 * until its ACK; if its worker stops heart-beating, disconnects or the
 * `ackTimeout` passes, the item is redelivered to another worker (at-least-
 * once delivery). {@link WorkQueue.drain} is the end-of-batch signal: it
 * resolves when every item pushed so far has been acknowledged.
 */
import { Context, Router } from "@skein/core";
import { PatternError, checkFrames, checkNumber } from "./errors.js";
import { ACK, CLOSING, DISCONNECT, FRAME, HEARTBEAT, NACK, READY } from "./pipeline-protocol.js";
import { decodeU32, decodeU64, encodeU32, encodeU64 } from "./util/codec.js";
import { pickByCredit } from "./util/credit-pick.js";
import { attachEndpoints } from "./util/endpoints.js";
import { PeerFaults } from "./util/peer-faults.js";

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Endpoints to bind (`tcp://127.0.0.1:0` picks a free port). */
  bind?: string[];
  /** Endpoints to connect to. */
  connect?: string[];
  /** Context of the sockets (default: `@skein/core`'s shared context). */
  context?: Context;
  /** Milliseconds a worker may hold an item before it is redelivered elsewhere. 0 (default): no limit, rely on heartbeats. */
  ackTimeout?: number;
  /** Heartbeat period in ms, both ways. Default 1000. */
  heartbeatInterval?: number;
  /** Missed heartbeat periods before a worker is declared dead. Default 3. */
  heartbeatLiveness?: number;
  /** Deliveries of one item before it is given up (NACKs, dead workers, ack timeouts). Default 5. */
  maxAttempts?: number;
  /** Called with an item given up after `maxAttempts`. */
  onDeadLetter?: (queue: string, frames: Buffer[], reason: string) => void;
  /**
   * Called with a send that failed (counted in `sendErrors`; a worker gone
   * is `EHOSTUNREACH`) and a worker's protocol error (counted in
   * `protocolErrors`: malformed, or an acknowledgement of an item it was
   * never sent).
   */
  onError?: (error: unknown) => void;
}

/** Counters of a {@link WorkQueue}. */
export interface WorkQueueStats {
  /** Workers known now. */
  workers: number;
  /** Items waiting for a worker with credit. */
  pending: number;
  /** Items sent and not yet acknowledged. */
  unacked: number;
  /** Items acknowledged. */
  acked: number;
  /** Deliveries beyond the first (NACK, dead worker, ack timeout). */
  redelivered: number;
  /** Items given up after `maxAttempts`. */
  deadLettered: number;
  /** Workers declared dead (missed heartbeats or unreachable). */
  deadWorkers: number;
  /** Sends that failed (reported to `onError`). */
  sendErrors: number;
  /** Messages from workers that broke the protocol: dropped (reported to `onError`). */
  protocolErrors: number;
  /** Acknowledgements of items no longer known (late duplicates): dropped. */
  unmatched: number;
}

interface WorkerState {
  readonly key: string;
  readonly id: Buffer;
  readonly queue: string;
  credit: number;
  /** The credit its READY announced: acknowledgements never raise `credit` above it. */
  capacity: number;
  closing: boolean;
  lastSeen: number;
  /** {@link pickByCredit}: the queue's send count when it was last sent an item. */
  lastSent: number;
  readonly items: Set<Item>;
}

const isClosing = (worker: WorkerState): boolean => worker.closing;

interface Item {
  readonly id: number;
  readonly idFrame: Buffer;
  readonly queue: string;
  readonly frames: Buffer[];
  attempt: number;
  worker: WorkerState | null;
  /** Keys of the workers it was sent to: only they may acknowledge it. */
  readonly sentTo: string[];
  timer: NodeJS.Timeout | null;
  accepted: (() => void) | null;
  rejectAccepted: ((error: PatternError) => void) | null;
  done: ((result: Buffer[]) => void) | null;
  failed: ((error: PatternError) => void) | null;
}

interface QueueState {
  pending: Item[];
  readonly workers: Set<WorkerState>;
}

/**
 * The ventilator: hands work items to {@link Worker}s by credit.
 *
 * ```ts
 * const queue = new WorkQueue({ bind: ["tcp://127.0.0.1:0"] })
 * await queue.start()
 * for (const job of jobs) await queue.push("resize", [Buffer.from(job)])
 * await queue.drain()   // end of batch: every item acknowledged
 * ```
 */
export class WorkQueue {
  readonly #options: WorkQueueOptions;
  readonly #interval: number;
  readonly #liveness: number;
  readonly #maxAttempts: number;
  readonly #ackTimeout: number;
  readonly #workers = new Map<string, WorkerState>();
  readonly #queues = new Map<string, QueueState>();
  readonly #items = new Map<number, Item>();
  readonly #drainWaiters: (() => void)[] = [];
  #socket: Router | null = null;
  #endpoints: string[] = [];
  #heartbeat: NodeJS.Timeout | null = null;
  #loop: Promise<void> | null = null;
  #nextId = 1;
  #closed = false;
  /** Items sent so far: {@link WorkerState.lastSent}'s clock. */
  #sends = 0;
  readonly #stats = { acked: 0, redelivered: 0, deadLettered: 0, deadWorkers: 0, unmatched: 0 };
  readonly #faults: PeerFaults;

  constructor(options: WorkQueueOptions) {
    checkNumber("ackTimeout", options?.ackTimeout, 0);
    checkNumber("heartbeatInterval", options?.heartbeatInterval, 1);
    checkNumber("heartbeatLiveness", options?.heartbeatLiveness, 1);
    checkNumber("maxAttempts", options?.maxAttempts, 1);
    this.#options = options ?? {};
    this.#interval = this.#options.heartbeatInterval ?? 1000;
    this.#liveness = this.#options.heartbeatLiveness ?? 3;
    this.#maxAttempts = this.#options.maxAttempts ?? 5;
    this.#ackTimeout = this.#options.ackTimeout ?? 0;
    this.#faults = new PeerFaults(this.#options.onError);
  }

  /** Endpoints bound, with real ports, once {@link start} resolved. */
  get endpoints(): string[] {
    return [...this.#endpoints];
  }

  /** Counters: workers, pending, unacked, acked, redelivered, dead letters, dead workers. */
  get stats(): WorkQueueStats {
    let pending = 0;
    for (const q of this.#queues.values()) pending += q.pending.length;
    const { sendErrors, protocolErrors } = this.#faults;
    return { workers: this.#workers.size, pending, unacked: this.#items.size - pending, ...this.#stats, sendErrors, protocolErrors };
  }

  /** Binds, connects and starts heart-beating. */
  async start(): Promise<void> {
    if (this.#closed) throw new PatternError("ECLOSED", "WorkQueue is closed");
    if (this.#socket !== null) return;
    const o = this.#options;
    // Work, heartbeats and disconnects are sent without awaiting each other: let them queue.
    const socket = new Router({ linger: 0, mandatory: true, maxPendingSends: 0, ...(o.context === undefined ? {} : { context: o.context }) });
    this.#socket = socket;
    try {
      this.#endpoints.push(...(await attachEndpoints(socket, o.bind, o.connect)));
    } catch (error) {
      await this.close();
      throw error;
    }
    this.#loop = this.#receiveLoop(socket);
    this.#heartbeat = setInterval(() => this.#tick(), this.#interval);
  }

  /** Queues a work item; resolves once a worker of `queue` has been sent it (it had credit). */
  push(queue: string, frames: Buffer[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const item = this.#enqueue(queue, frames, reject);
      if (item === null) return;
      item.accepted = resolve;
      item.rejectAccepted = reject;
      this.#dispatch(queue);
    });
  }

  /** Queues a work item; resolves with the worker's result frames once acknowledged, rejects with `EDEADLETTER` when given up. */
  submit(queue: string, frames: Buffer[]): Promise<Buffer[]> {
    return new Promise<Buffer[]>((resolve, reject) => {
      const item = this.#enqueue(queue, frames, reject);
      if (item === null) return;
      item.done = resolve;
      item.failed = reject;
      this.#dispatch(queue);
    });
  }

  /** End of batch: resolves once every item pushed so far is acknowledged (or dead-lettered). */
  drain(): Promise<void> {
    if (this.#items.size === 0) return Promise.resolve();
    if (this.#closed) return Promise.reject(new PatternError("ECLOSED", "WorkQueue is closed"));
    return new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Closes: pending `push`/`submit` promises reject with `ECLOSED`; workers notice by heartbeat and reconnect. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    const error = (): PatternError => new PatternError("ECLOSED", "WorkQueue was closed");
    for (const item of this.#items.values()) {
      if (item.timer !== null) clearTimeout(item.timer);
      item.rejectAccepted?.(error());
      item.failed?.(error());
    }
    this.#items.clear();
    this.#queues.clear();
    this.#workers.clear();
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
    this.#socket?.close();
    await this.#loop;
  }

  #enqueue(queue: string, frames: Buffer[], reject: (error: PatternError) => void): Item | null {
    if (this.#closed) {
      reject(new PatternError("ECLOSED", "WorkQueue is closed"));
      return null;
    }
    if (this.#socket === null) {
      reject(new PatternError("EINVAL", "Call start() before pushing work"));
      return null;
    }
    if (typeof queue !== "string" || queue.length === 0) {
      reject(new PatternError("EINVAL", "A queue name must be a non-empty string"));
      return null;
    }
    try {
      checkFrames(frames);
    } catch (error) {
      reject(error as PatternError);
      return null;
    }
    const id = this.#nextId++;
    const item: Item = {
      id, idFrame: encodeU64(id), queue, frames, attempt: 0, worker: null, sentTo: [], timer: null,
      accepted: null, rejectAccepted: null, done: null, failed: null,
    };
    this.#items.set(id, item);
    this.#queueState(queue).pending.push(item);
    return item;
  }

  #queueState(queue: string): QueueState {
    let state = this.#queues.get(queue);
    if (state === undefined) this.#queues.set(queue, (state = { pending: [], workers: new Set() }));
    return state;
  }

  /** Sends pending items of `queue` to its workers with the most credit, taking turns among equals ({@link pickByCredit}). */
  #dispatch(queue: string): void {
    const state = this.#queues.get(queue);
    if (state === undefined) return;
    while (state.pending.length > 0) {
      const best = pickByCredit(state.workers, isClosing);
      if (best === null) return;
      this.#send(best, state.pending.shift()!);
    }
  }

  #send(worker: WorkerState, item: Item): void {
    item.attempt++;
    if (item.attempt > 1) this.#stats.redelivered++;
    item.worker = worker;
    if (!item.sentTo.includes(worker.key)) item.sentTo.push(worker.key);
    worker.credit--;
    worker.lastSent = ++this.#sends;
    worker.items.add(item);
    this.#socket!.send([worker.id, FRAME.WORK, item.idFrame, encodeU32(item.attempt), ...item.frames]).catch((error: unknown) => {
      // EHOSTUNREACH: the worker is gone; its items go to the others.
      this.#faults.sendFailed(error);
      if (this.#workers.get(worker.key) === worker) this.#removeWorker(worker);
    });
    if (this.#ackTimeout > 0) {
      item.timer = setTimeout(() => {
        item.timer = null;
        if (item.worker === worker) this.#redeliver(item, `not acknowledged within ${this.#ackTimeout} ms`);
      }, this.#ackTimeout);
    }
    const accepted = item.accepted;
    item.accepted = null;
    item.rejectAccepted = null;
    accepted?.();
  }

  /** Takes an item back from its worker and queues it first, or gives it up. */
  #redeliver(item: Item, reason: string): void {
    if (item.timer !== null) clearTimeout(item.timer);
    item.timer = null;
    item.worker?.items.delete(item);
    item.worker = null;
    if (item.attempt >= this.#maxAttempts) {
      this.#stats.deadLettered++;
      this.#finish(item);
      const why = `Item given up after ${item.attempt} attempts: ${reason}`;
      item.failed?.(new PatternError("EDEADLETTER", why));
      this.#options.onDeadLetter?.(item.queue, item.frames, why);
      return;
    }
    this.#queueState(item.queue).pending.unshift(item);
    this.#dispatch(item.queue);
  }

  /** Removes a redelivered item from its pending queue (acknowledged late by its first worker). */
  #unqueue(item: Item): void {
    const pending = this.#queues.get(item.queue)?.pending;
    const at = pending?.indexOf(item) ?? -1;
    if (at >= 0) pending!.splice(at, 1);
  }

  #finish(item: Item): void {
    this.#items.delete(item.id);
    if (this.#items.size === 0) for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  #removeWorker(worker: WorkerState): void {
    this.#workers.delete(worker.key);
    this.#queues.get(worker.queue)?.workers.delete(worker);
    for (const item of [...worker.items]) this.#redeliver(item, "its worker died");
  }

  #tick(): void {
    const deadline = Date.now() - this.#interval * this.#liveness;
    for (const worker of [...this.#workers.values()]) {
      if (worker.lastSeen < deadline) {
        this.#stats.deadWorkers++;
        this.#removeWorker(worker);
      } else {
        // A worker gone (EHOSTUNREACH) is also declared dead by a later tick.
        this.#socket!.send([worker.id, FRAME.HEARTBEAT]).catch(this.#faults.sendFailed);
      }
    }
  }

  async #receiveLoop(socket: Router): Promise<void> {
    for (;;) {
      let message: Buffer[];
      try {
        message = await socket.receive();
      } catch {
        return; // closed
      }
      this.#onMessage(message);
    }
  }

  #onMessage(message: Buffer[]): void {
    const id = message[0]!;
    const key = id.toString("latin1");
    const command = message[1];
    if (command === undefined || command.length !== 1) {
      this.#faults.protocol("A message without a one-octet command was dropped");
      return;
    }
    let worker = this.#workers.get(key);
    if (command[0] === READY) {
      const queue = message[2]?.toString();
      const credit = decodeU32(message[3]);
      if (queue === undefined || queue.length === 0 || credit === undefined) {
        this.#faults.protocol("A READY without a queue name and a 4-octet credit was dropped");
        return;
      }
      if (worker !== undefined && worker.queue !== queue) {
        this.#removeWorker(worker);
        worker = undefined;
      }
      if (worker === undefined) {
        worker = { key, id, queue, credit: 0, capacity: 0, closing: false, lastSeen: 0, lastSent: 0, items: new Set() };
        this.#workers.set(key, worker);
        this.#queueState(queue).workers.add(worker);
      }
      worker.credit = credit;
      worker.capacity = Math.max(credit, worker.items.size + credit);
      worker.closing = false;
      worker.lastSeen = Date.now();
      this.#dispatch(queue);
      return;
    }
    if (worker === undefined) {
      // RFC 7 (MDP) style: a peer we do not know must register again.
      if (command[0] !== DISCONNECT) this.#socket!.send([id, FRAME.DISCONNECT]).catch(this.#faults.sendFailed);
      return;
    }
    worker.lastSeen = Date.now();
    switch (command[0]) {
      case ACK:
      case NACK: {
        const item = this.#items.get(decodeU64(message[2]) ?? -1);
        if (item !== undefined && !item.sentTo.includes(worker.key)) {
          // An item this worker never had: a forged or confused acknowledgement.
          this.#faults.protocol(`A worker acknowledged item ${item.id}, which it was never sent: dropped`);
          return;
        }
        worker.credit = Math.min(worker.capacity, worker.credit + 1);
        if (item === undefined) this.#stats.unmatched++;
        else {
          if (command[0] === ACK) {
            // First acknowledgement wins, even from a worker the item was taken from.
            if (item.timer !== null) clearTimeout(item.timer);
            if (item.worker !== null) item.worker.items.delete(item);
            else this.#unqueue(item);
            item.worker = null;
            this.#stats.acked++;
            this.#finish(item);
            item.accepted?.();
            item.done?.(message.slice(3));
          } else if (item.worker === worker) {
            this.#redeliver(item, `worker failed it: ${message[3]?.toString() ?? "no reason"}`);
          }
        }
        this.#dispatch(worker.queue);
        return;
      }
      case CLOSING:
        worker.closing = true;
        return;
      case DISCONNECT:
        this.#removeWorker(worker);
        return;
      default:
        return; // HEARTBEAT: lastSeen is updated
    }
  }
}
