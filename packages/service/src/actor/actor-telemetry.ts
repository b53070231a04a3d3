/**
 * Tracing and metrics of actors through `@opentelemetry/api`, as services do
 * (telemetry.ts): without a registered SDK every call here is a no-op.
 *
 * Spans: `actor <Type>.<method>` of kind CLIENT where a call leaves for
 * another member, and of kind SERVER for each turn (the child of the
 * caller's span, across processes through a W3C `traceparent`).
 * Metrics: `skein.actor.turns` (by type and `outcome`),
 * `skein.actor.turn.duration` (ms), `skein.actor.activations` (live, an
 * up-down counter), `skein.actor.restarts`, `skein.actor.escalations`,
 * `skein.actor.reminders` (fired), `skein.actor.timer.errors`,
 * `skein.actor.deactivation.errors`, `skein.actor.calls.retried`
 * (`ACTOR_WRONG_OWNER` answers retried), `skein.actor.errors` (errors with
 * no caller while nothing listened to the system's `error` event).
 */
import { type Context, context as otelContext, type Counter, type Histogram, type Span, SpanKind, trace, type UpDownCounter } from "@opentelemetry/api";
import { endSpanWithError, Telemetry, type TelemetryOptions } from "../telemetry.js";

/** A turn's span and clock. */
export interface TurnTrace {
  /** Ends the span (failed when `error` is set) and records the turn's metrics. */
  end(error: unknown): void;
}

/** The instruments of one actor system. */
export class ActorTelemetry {
  readonly base: Telemetry;
  readonly turns: Counter;
  readonly turnDuration: Histogram;
  readonly activations: UpDownCounter;
  readonly restarts: Counter;
  readonly escalations: Counter;
  readonly reminders: Counter;
  readonly timerErrors: Counter;
  readonly deactivationErrors: Counter;
  readonly retries: Counter;
  readonly errors: Counter;

  constructor(options: TelemetryOptions = {}) {
    this.base = new Telemetry(options);
    const meter = this.base.meter;
    this.turns = meter.createCounter("skein.actor.turns", { description: "Actor turns run, by outcome" });
    this.turnDuration = meter.createHistogram("skein.actor.turn.duration", { unit: "ms", description: "Duration of actor turns, state save included" });
    this.activations = meter.createUpDownCounter("skein.actor.activations", { description: "Live actor activations" });
    this.restarts = meter.createCounter("skein.actor.restarts", { description: "Activations restarted by supervision" });
    this.escalations = meter.createCounter("skein.actor.escalations", { description: "Handler failures escalated by supervision" });
    this.reminders = meter.createCounter("skein.actor.reminders", { description: "Reminders fired" });
    this.timerErrors = meter.createCounter("skein.actor.timer.errors", { description: "Timer callbacks that failed" });
    this.deactivationErrors = meter.createCounter("skein.actor.deactivation.errors", { description: "onDeactivate hooks or their saves that failed" });
    this.retries = meter.createCounter("skein.actor.calls.retried", { description: "Calls sent again after an ACTOR_WRONG_OWNER answer" });
    this.errors = meter.createCounter("skein.actor.errors", { description: "Errors with no caller (malformed peer messages, reminder storage) while nothing listened to the error event" });
  }

  /** Starts the SERVER span of one turn, a child of `parent` (or of the active context). */
  startTurn(type: string, key: string, method: string, parent: Context | undefined): TurnTrace {
    const started = performance.now();
    const span = this.base.tracer.startSpan(`actor ${type}.${method}`, {
      kind: SpanKind.SERVER,
      attributes: { "rpc.system": "skein", "rpc.service": type, "rpc.method": method, "skein.actor.key": key },
    }, parent ?? otelContext.active());
    return {
      end: (error) => {
        const attributes = { "skein.actor.type": type, outcome: error === undefined ? "ok" : "error" };
        this.turns.add(1, attributes);
        this.turnDuration.record(performance.now() - started, attributes);
        if (error === undefined) span.end();
        else endSpanWithError(span, error);
      },
    };
  }

  /** Starts the CLIENT span of a call to another member, a child of the active context. */
  startCall(type: string, key: string, method: string, member: string): { span: Span; context: Context } {
    const parent = otelContext.active();
    const span = this.base.tracer.startSpan(`actor ${type}.${method}`, {
      kind: SpanKind.CLIENT,
      attributes: { "rpc.system": "skein", "rpc.service": type, "rpc.method": method, "skein.actor.key": key, "skein.actor.member": member },
    }, parent);
    return { span, context: trace.setSpan(parent, span) };
  }
}
