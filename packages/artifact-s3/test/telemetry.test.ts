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
import { scope } from './helpers/fixture.js';
import { BUCKET, useRgw } from './helpers/rgw.js';

const rgw = useRgw();

describe('S3ArtifactService telemetry (OpenTelemetry SDK, in-memory, real Ceph RGW)', () => {
  it('a span per call with the bucket; a failing call has status ERROR and is counted', async () => {
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 3_600_000,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const service = rgw.service({ telemetry: { tracerProvider, meterProvider } });
    const artifact = {
      inlineData: { data: Buffer.from('hello').toString('base64'), mimeType: 'text/plain' },
    };
    expect(await service.saveArtifact({ ...scope, filename: 'a.txt', artifact })).toBe(0);
    expect(await service.loadArtifact({ ...scope, filename: 'a.txt' })).toEqual(artifact);
    // A real fault: a bucket that does not exist.
    const elsewhere = rgw.service({ bucket: 'no-such-bucket', telemetry: { tracerProvider, meterProvider } });
    const failure = await elsewhere
      .saveArtifact({ ...scope, filename: 'b.txt', artifact })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StorageError);
    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => [s.name, s.status.code])).toEqual([
      ['earshot.s3.saveArtifact', SpanStatusCode.UNSET],
      ['earshot.s3.loadArtifact', SpanStatusCode.UNSET],
      ['earshot.s3.saveArtifact', SpanStatusCode.ERROR],
    ]);
    expect(finished[0]?.attributes).toMatchObject({
      'aws.s3.bucket': BUCKET,
      'earshot.storage.operation': 'saveArtifact',
    });
    expect(finished[2]?.attributes).toMatchObject({
      'aws.s3.bucket': 'no-such-bucket',
      'error.type': 'STORAGE',
    });
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const errors = all.find((m) => m.descriptor.name === 'earshot.storage.errors')?.dataPoints ?? [];
    expect(errors.map((p) => [p.attributes['earshot.storage.operation'], p.value])).toEqual([
      ['saveArtifact', 1],
    ]);
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });
});
