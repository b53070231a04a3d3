/**
 * A real OpenTelemetry SDK (2.x) per test: spans in an in-memory exporter,
 * metrics read on demand, so a test sees only what its own calls recorded.
 */
import { type ReadableSpan, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import type { SpanKind } from "@opentelemetry/api";

export interface OtelSdk {
  /** Pass as `telemetry` to `createApp`, or to `new Telemetry(...)`. */
  readonly telemetry: { tracerProvider: BasicTracerProvider; meterProvider: MeterProvider };
  /** Finished spans named `name` of `kind`. */
  spans(name: string, kind: SpanKind): ReadableSpan[];
  /** The sum of counter `name` over data points whose attributes include `attributes`. */
  sum(name: string, attributes: Record<string, unknown>): Promise<number>;
  /** The number of values histogram `name` recorded, over data points whose attributes include `attributes`. */
  count(name: string, attributes: Record<string, unknown>): Promise<number>;
  shutdown(): Promise<void>;
}

export function otelSdk(): OtelSdk {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 60_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  /** The data points of metric `name` whose attributes include `attributes`. */
  const points = async (name: string, attributes: Record<string, unknown>): Promise<{ attributes: Record<string, unknown>; value: unknown }[]> => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric) => metric.dataPoints as { attributes: Record<string, unknown>; value: unknown }[])
      .filter((point) => Object.entries(attributes).every(([key, value]) => point.attributes[key] === value));
  };
  return {
    telemetry: { tracerProvider, meterProvider },
    spans: (name, kind) => exporter.getFinishedSpans().filter((span) => span.name === name && span.kind === kind),
    async sum(name, attributes) {
      return (await points(name, attributes)).reduce((total, point) => total + (point.value as number), 0);
    },
    async count(name, attributes) {
      return (await points(name, attributes)).reduce((total, point) => total + (point.value as { count: number }).count, 0);
    },
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}
