import { context, SpanStatusCode } from '@opentelemetry/api';
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
import { BRIDGE_CLOSE_CODES, BRIDGE_TELEMETRY_NAMES } from '../src/index.js';
import { type BridgeFixture, startBridge } from './helpers/bridge-fixture.js';
import { echoModel, say } from './helpers/echo-model.js';
import { TestClient } from './helpers/test-client.js';
import { waitFor } from './helpers/wait.js';

const { metrics: M, attributes: A } = BRIDGE_TELEMETRY_NAMES;

let fixture: BridgeFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
  context.disable();
});

describe('bridge telemetry (OpenTelemetry SDK, in-memory)', () => {
  it('a span per conversation with the run span under it; refusals and errors are counted', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 3_600_000,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    fixture = await startBridge({
      model: echoModel,
      limits: { maxConnectionsPerUser: 1 },
      telemetry: { tracerProvider, meterProvider },
    });
    const client = await TestClient.connect(fixture.url('ada', 'sess-1'));
    await say(client, 'hello');
    // A second socket for the same user is over the per-user limit: refused with 4005.
    const second = await TestClient.open(fixture.url('ada', 'sess-2'));
    expect((await second.closed).code).toBe(BRIDGE_CLOSE_CODES.tooManyConnections);
    await client.close();
    await waitFor(() => fixture!.bridge.activeRuns === 0);
    await waitFor(() =>
      spans.getFinishedSpans().some((s) => s.name === BRIDGE_TELEMETRY_NAMES.connectionSpan),
    );
    await waitFor(() => spans.getFinishedSpans().some((s) => s.name.startsWith('invoke_agent')));
    const finished = spans.getFinishedSpans();
    const connection = finished.find((s) => s.name === BRIDGE_TELEMETRY_NAMES.connectionSpan);
    const run = finished.find((s) => s.name === 'invoke_agent helper');
    expect(connection?.attributes).toMatchObject({ [A.conversationId]: 'sess-1', [A.closeCode]: 1000 });
    expect(connection?.status.code).toBe(SpanStatusCode.UNSET);
    // The run (and through it the model connection and storage calls) is part of the socket's trace.
    expect(run?.parentSpanContext?.spanId).toBe(connection?.spanContext().spanId);
    expect(run?.spanContext().traceId).toBe(connection?.spanContext().traceId);
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const points = (name: string) => all.find((m) => m.descriptor.name === name)?.dataPoints ?? [];
    expect(points(M.connections).map((p) => p.value)).toEqual([1]);
    expect(points(M.activeConnections).map((p) => p.value)).toEqual([0]);
    expect(points(M.refused).map((p) => [p.attributes[A.closeCode], p.value])).toEqual([[4005, 1]]);
    expect(points(M.errors).map((p) => [p.attributes[A.errorType], p.value])).toEqual([
      ['maxConnectionsPerUser', 1],
    ]);
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });
});
