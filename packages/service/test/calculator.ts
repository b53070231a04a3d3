/**
 * The calculator of `streams.proto` (a call of every shape) with a probe the
 * stream tests watch: items produced, requests read, how each handler ended.
 * Served by an app, or by a bare `RpcServer` + `RpcDispatcher` that logs every
 * message it receives (a spy: which server saw which call).
 */
import "reflect-metadata";
import { decodeEnvelope } from "@skein/codec";
import { RpcServer } from "@skein/patterns";
import { inject } from "inversify";
import { CalculatorService, type Amount } from "./generated/index.js";
import { Container } from "inversify";
import { type App, createApp, exploreService, Rpc, RpcDispatcher, RpcError, RpcStatus, Service, type ServiceCallContext, Telemetry } from "../src/index.js";
import { deferred, LOOPBACK } from "./fixtures.js";

/** What the calculator's handlers did, for the tests to watch. */
export interface Probe {
  /** Items the server's reply streams produced (countTo, runningTotal). */
  produced: number;
  /** Requests the server's handlers read (sum, runningTotal). */
  read: number;
  /** Awaited before each request the server reads: a slow consumer. */
  beforeRead?: () => Promise<void> | void;
  /** Awaited before each item countTo yields: a producer that stops. */
  beforeYield?: () => Promise<void> | void;
  /** A handler's stream ended (normally or not): `done`, or the code its signal was aborted with. */
  finished: ReturnType<typeof deferred<string>>;
}
export const PROBE = Symbol("probe");

export function newProbe(): Probe {
  return { produced: 0, read: 0, finished: deferred<string>() };
}

function ending(context: ServiceCallContext): string {
  return context.signal.aborted ? String((context.signal.reason as RpcError).code) : "done";
}

@Service(CalculatorService)
export class Calculator {
  constructor(@inject(PROBE) private readonly probe: Probe) {}

  @Rpc()
  double(request: Amount) {
    return { value: request.value * 2 };
  }

  @Rpc()
  async *countTo(request: Amount, context: ServiceCallContext) {
    try {
      for (let value = 1; value <= request.value; value++) {
        await this.probe.beforeYield?.();
        this.probe.produced++;
        yield { value };
      }
    } finally {
      this.probe.finished.resolve(ending(context));
    }
  }

  @Rpc()
  async sum(requests: AsyncIterable<Amount>, context: ServiceCallContext) {
    let total = 0;
    try {
      for await (const request of requests) {
        await this.probe.beforeRead?.();
        this.probe.read++;
        total += request.value;
      }
    } finally {
      this.probe.finished.resolve(ending(context));
    }
    return { value: total };
  }

  @Rpc()
  async *runningTotal(requests: AsyncIterable<Amount>, context: ServiceCallContext) {
    let total = 0;
    try {
      for await (const request of requests) {
        this.probe.read++;
        if (request.value < 0) throw new RpcError(RpcStatus.INVALID_ARGUMENT, "no negative amounts");
        total += request.value;
        this.probe.produced++;
        yield { value: total };
      }
    } finally {
      this.probe.finished.resolve(ending(context));
    }
  }
}

/** A calculator server that logs every message it receives, as its RpcServer hands them over. */
export interface SpyServer {
  readonly endpoint: string;
  readonly probe: Probe;
  /** Every message received: requests and the further messages of calls (decoded envelopes). */
  readonly seen: { kind: string; correlationId: string }[];
  /** Further call messages that matched no call of this server (`RpcServer.unmatchedMessages`). */
  readonly unmatched: () => number;
  readonly dispatcher: RpcDispatcher;
  close(): Promise<void>;
}

export async function spyServer(window: number): Promise<SpyServer> {
  const probe = newProbe();
  const calculator = new Calculator(probe);
  const dispatcher = new RpcDispatcher([exploreService(Calculator, () => calculator, [])], new Telemetry(), { streamWindow: window });
  const server = new RpcServer({ bind: [LOOPBACK] });
  const seen: SpyServer["seen"] = [];
  const log = (frames: Buffer[]): void => {
    const envelope = decodeEnvelope(frames);
    seen.push({ kind: envelope.kind, correlationId: envelope.correlationId ?? "" });
  };
  await server.serve((frames, request) => {
    log(frames);
    return dispatcher.dispatch(frames, {
      sendPartial: request.sendPartial,
      onMessage: (listener) => request.onMessage((message) => {
        log(message);
        listener(message);
      }),
    });
  });
  return { endpoint: server.endpoints[0]!, probe, seen, unmatched: () => server.unmatchedMessages, dispatcher, close: () => server.close(1_000) };
}

/** A started app serving the calculator with `streamWindow: window`; `stop` ends it. */
export async function startCalculatorApp(window: number): Promise<{ app: App; probe: Probe; stop: () => Promise<void> }> {
  const probe = newProbe();
  const container = new Container();
  container.bind(PROBE).toConstantValue(probe);
  const app = createApp({ name: "calculator", container, services: [Calculator], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false, streamWindow: window, onError: () => {} });
  await app.start();
  return { app, probe, stop: () => app.stop(1_000) };
}
