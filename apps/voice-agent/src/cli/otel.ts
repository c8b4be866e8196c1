import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** `--otel console` prints spans and metrics; `--otel otlp` exports them (OTEL_EXPORTER_OTLP_* variables). */
export type OtelMode = 'console' | 'otlp';

/**
 * Registers an OpenTelemetry SDK as the global providers the Earshot packages report to (before
 * the stack is built: the instruments are created then). Returns the shutdown that flushes what
 * is left. OTLP goes over HTTP/JSON to `OTEL_EXPORTER_OTLP_ENDPOINT` (default
 * http://localhost:4318), with `OTEL_EXPORTER_OTLP_HEADERS` and the per-signal variables the
 * exporters read themselves; `OTEL_SERVICE_NAME` names the service (default earshot-voice-agent);
 * `OTEL_METRIC_EXPORT_INTERVAL` (ms) sets the metric interval (default 60 000, console 10 000).
 */
export function startOtel(mode: OtelMode, env: NodeJS.ProcessEnv = process.env): () => Promise<void> {
  const resource = resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || 'earshot-voice-agent' });
  const spanProcessor: SpanProcessor =
    mode === 'console'
      ? new SimpleSpanProcessor(new ConsoleSpanExporter())
      : new BatchSpanProcessor(new OTLPTraceExporter());
  const metricExporter: PushMetricExporter =
    mode === 'console' ? new ConsoleMetricExporter() : new OTLPMetricExporter();
  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL) || (mode === 'console' ? 10_000 : 60_000);
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: interval }),
    ],
  });
  // Spans of the stores and the recorder nest under the run's span across awaits.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return async () => {
    await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
  };
}
