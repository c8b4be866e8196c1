import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIO_TELEMETRY_NAMES, AudioAggregator } from '../src/index.js';
import { FlakyArtifactService, fakeClock, fastRetry, pcmBytes, scope } from './helpers.js';

const { metrics: M, attributes: A } = AUDIO_TELEMETRY_NAMES;

function otel() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const points = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    return (
      resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name)
        ?.dataPoints ?? []
    );
  };
  return { spans, tracerProvider, meterProvider, points };
}

const contextManager = new AsyncLocalStorageContextManager();
afterEach(() => {
  context.disable();
});

describe('AudioAggregator telemetry (OpenTelemetry SDK, in-memory)', () => {
  it('a span per file write, under the caller span; failed writes carry the error; metrics add up', async () => {
    context.setGlobalContextManager(contextManager.enable());
    const t = otel();
    // The first write fails all its attempts, the rest succeed.
    const artifactService = new FlakyArtifactService(fastRetry.attempts);
    const clock = fakeClock();
    const aggregator = new AudioAggregator({
      artifactService,
      retry: fastRetry,
      clock: clock.now,
      mixdown: true,
      telemetry: { tracerProvider: t.tracerProvider, meterProvider: t.meterProvider },
    });
    const input = pcmBytes(3200, 1);
    const output = pcmBytes(4800, 2);
    const parent = t.tracerProvider.getTracer('test').startSpan('live run');
    await context.with(trace.setSpan(context.active(), parent), async () => {
      await aggregator.record(scope, 'input', {
        data: input.toString('base64'),
        mimeType: 'audio/pcm;rate=16000',
      });
      clock.advance(100);
      await aggregator.record(scope, 'output', {
        data: output.toString('base64'),
        mimeType: 'audio/pcm;rate=24000',
      });
      await aggregator.flush(scope, 'end');
    });
    parent.end();
    const spans = t.spans.getFinishedSpans().filter((s) => s.name !== 'live run');
    expect(spans.map((s) => [s.name, s.attributes[A.direction], s.status.code])).toEqual([
      ['earshot.audio.save_segment', 'input', SpanStatusCode.ERROR],
      ['earshot.audio.save_segment', 'output', SpanStatusCode.UNSET],
      ['earshot.audio.save_mixdown', undefined, SpanStatusCode.UNSET],
    ]);
    for (const span of spans) expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(spans[0]?.attributes).toMatchObject({
      [A.attempts]: fastRetry.attempts,
      [A.bytes]: 3200,
      [A.kind]: 'segment',
    });
    expect(spans[0]?.attributes[A.errorType]).toBe('STORAGE');
    expect(spans[1]?.attributes).toMatchObject({ [A.attempts]: 1, [A.bytes]: 4800 });
    const saves = await t.points(M.saves);
    const count = (kind: string, outcome: string) =>
      saves.find((p) => p.attributes[A.kind] === kind && p.attributes[A.outcome] === outcome)?.value;
    expect([count('segment', 'ok'), count('segment', 'error'), count('mixdown', 'ok')]).toEqual([1, 1, 1]);
    const errors = await t.points(M.storageErrors);
    expect(errors.map((p) => p.value)).toEqual([1]);
    const bytes = await t.points(M.savedBytes);
    expect(bytes.find((p) => p.attributes[A.kind] === 'segment')?.value).toBe(4800);
    await t.tracerProvider.shutdown();
    await t.meterProvider.shutdown();
  });

  it('telemetry: false records nothing', async () => {
    const t = otel();
    trace.setGlobalTracerProvider(t.tracerProvider);
    try {
      const aggregator = new AudioAggregator({
        artifactService: new FlakyArtifactService(0),
        retry: fastRetry,
        telemetry: false,
      });
      await aggregator.record(scope, 'output', {
        data: pcmBytes(480).toString('base64'),
        mimeType: 'audio/pcm;rate=24000',
      });
      await aggregator.flush(scope, 'end');
      expect(t.spans.getFinishedSpans()).toEqual([]);
    } finally {
      trace.disable();
    }
  });
});
