import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** The OpenTelemetry SDK with in-memory span and metric export, for one test. */
export interface TestOtel {
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
  spans(): ReadableSpan[];
  /** Every data point of a metric after a collection (summed sums, histograms as they are). */
  metric(name: string): Promise<Array<DataPoint<number | Histogram>>>;
  /** The sum of a counter's points matching `attributes` (all points when omitted). */
  sum(name: string, attributes?: Attributes): Promise<number>;
  shutdown(): Promise<void>;
}

export function testOtel(): TestOtel {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const metric = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    const found = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((m) => m.descriptor.name === name);
    return (found?.dataPoints ?? []) as Array<DataPoint<number | Histogram>>;
  };
  return {
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    metric,
    async sum(name, attributes) {
      const points = await metric(name);
      return points
        .filter((p) => Object.entries(attributes ?? {}).every(([k, v]) => p.attributes[k] === v))
        .reduce((total, p) => total + (typeof p.value === 'number' ? p.value : p.value.count), 0);
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
