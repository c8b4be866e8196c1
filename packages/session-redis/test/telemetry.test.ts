import { StorageError } from '@earshot/core';
import { SpanStatusCode } from '@opentelemetry/api';
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
import { describe, expect, it } from 'vitest';
import { event, useRedis } from './support.js';

const { fixture, service } = useRedis();
const key = { appName: 'app', userId: 'u', sessionId: 's' };

describe('RedisSessionService telemetry (OpenTelemetry SDK, in-memory, real redis-server)', () => {
  it('a span per call with db.system.name=redis; a failing call has status ERROR and is counted', async () => {
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 3_600_000,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const svc = service({ telemetry: { tracerProvider, meterProvider } });
    const session = await svc.createSession(key);
    await svc.appendEvent({ session, event: event({}) });
    expect((await svc.getSession(key))?.events).toHaveLength(1);
    // A real fault: a foreign value where the app-state hash lives makes the write fail.
    await fixture.admin.set(svc.keys.app(key.appName).appState, 'not a hash');
    const failure = await svc
      .appendEvent({ session, event: event({ actions: { stateDelta: { 'app:x': 1 } } }) })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StorageError);
    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => [s.name, s.status.code])).toEqual([
      ['earshot.redis.createSession', SpanStatusCode.UNSET],
      ['earshot.redis.appendEvent', SpanStatusCode.UNSET],
      ['earshot.redis.getSession', SpanStatusCode.UNSET],
      ['earshot.redis.appendEvent', SpanStatusCode.ERROR],
    ]);
    expect(finished[0]?.attributes).toMatchObject({
      'db.system.name': 'redis',
      'earshot.storage.operation': 'createSession',
    });
    expect(finished[3]?.attributes['error.type']).toBe('STORAGE');
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const errors = all.find((m) => m.descriptor.name === 'earshot.storage.errors')?.dataPoints ?? [];
    expect(errors.map((p) => [p.attributes['earshot.storage.operation'], p.value])).toEqual([
      ['appendEvent', 1],
    ]);
    const durations = all.find((m) => m.descriptor.name === 'earshot.storage.duration')?.dataPoints ?? [];
    const count = durations.reduce((n, p) => n + (p.value as { count: number }).count, 0);
    expect(count).toBe(4);
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });

  it('telemetry: false leaves the methods untouched', () => {
    const svc = service({ telemetry: false });
    expect(svc.appendEvent).toBe(Object.getPrototypeOf(svc).appendEvent);
  });
});
