import { classifyLiveEvent, createRunConfig, InMemorySessionService, StorageError } from '@earshot/core';
import { clientFrameIs, pcm16Tone } from '@earshot/testing';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { TELEMETRY_NAMES } from '../src/telemetry/names.js';
import { RunnerInstruments } from '../src/telemetry/runner-telemetry.js';
import { FunctionTool } from '../src/tools/function-tool.js';
import { type LiveFixture, startLive, stopLive } from './helpers/live-fixture.js';
import { type TestOtel, testOtel } from './helpers/otel.js';
import { TestRecorder } from './helpers/test-recorder.js';
import { waitUntil } from './helpers/wait.js';

const { metrics: M, attributes: A } = TELEMETRY_NAMES;

let fixture: LiveFixture | undefined;
let otel: TestOtel | undefined;
afterEach(async () => {
  await stopLive(fixture);
  await otel?.shutdown();
  fixture = undefined;
  otel = undefined;
});

const weather = new FunctionTool({
  name: 'get_weather',
  description: 'Weather',
  execute: (args: { city?: unknown }) => ({ city: args.city, temp: 21 }),
});
const failing = new FunctionTool({
  name: 'fail',
  description: 'fails',
  execute: () => {
    throw new Error('backend down');
  },
});

describe('telemetry through @opentelemetry/api, read with the SDK in-memory exporter and reader', () => {
  it('a run with tool calls, a reconnect and recordings: the span tree, its attributes, and metrics that add up', async () => {
    otel = testOtel();
    const recorder = new TestRecorder();
    fixture = await startLive({
      frames: 'binary',
      tools: [weather, failing],
      audioRecorder: recorder,
      runConfig: { sessionResumption: {}, saveLiveAudio: true },
      runner: { telemetry: { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider } },
    });
    const { conn, run, queue, server } = fixture;
    const out = pcm16Tone({ ms: 40, rate: 24_000 });
    const input = pcm16Tone({ ms: 40, rate: 16_000 }).toString('base64');
    for (let i = 0; i < 3; i++) queue.sendRealtime({ data: input, mimeType: 'audio/pcm;rate=16000' });
    await waitUntil(() => conn.received.filter(clientFrameIs.audio).length === 3, { what: '3 input chunks' });
    conn.sendAudio(out);
    conn.sendAudio(out);
    conn.sendToolCall([
      { id: 'w', name: 'get_weather', args: { city: 'Oslo' } },
      { id: 'f', name: 'fail', args: {} },
    ]);
    await conn.waitFor(clientFrameIs.toolResponse);
    conn.sendUsage({ promptTokenCount: 12, responseTokenCount: 30, totalTokenCount: 42 });
    conn.sendTurnComplete();
    conn.sendResumptionUpdate('h1');
    await run.waitFor((e) => e.liveSessionResumptionUpdate?.newHandle === 'h1');
    await run.waitFor((e) => e.content?.parts?.some((p) => p.fileData) === true, 'a recording');
    conn.close(1011, 'internal');
    const second = await server.nextConnection({ timeoutMs: 20_000 });
    expect(second.resumedFrom).toBe('h1');
    second.sendAudio(out);
    second.sendTurnComplete();
    await run.waitFor(
      (e) => e.turnComplete === true && run.events.filter((x) => x.turnComplete).length === 2,
    );
    queue.close();
    expect(await run.done).toEqual({ error: undefined });

    const spans = otel.spans();
    if (process.env.PRINT_TRACE)
      console.log(
        [...spans]
          .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1])
          .map((s) => `${s.name} ${JSON.stringify(s.attributes)} ${s.status.code}`)
          .join('\n'),
      );
    const runSpan = spans.find((s) => s.name === 'invoke_agent helper');
    expect(runSpan?.attributes).toMatchObject({
      [A.operation]: 'invoke_agent',
      [A.agentName]: 'helper',
      [A.conversationId]: 's1',
      [A.appName]: 'app',
      [A.runOutcome]: 'ok',
    });
    expect(runSpan?.status.code).toBe(SpanStatusCode.UNSET);
    const runId = runSpan?.spanContext().spanId;
    const children = spans.filter((s) => s !== runSpan);
    // Everything hangs off the run span, in the run's trace.
    for (const span of children) {
      expect(span.parentSpanContext?.spanId, span.name).toBe(runId);
      expect(span.spanContext().traceId).toBe(runSpan?.spanContext().traceId);
    }
    const connections = children.filter((s) => s.name === 'live gemini-live-test');
    expect(connections.map((s) => s.attributes[A.connectionReason])).toEqual(['start', 'reconnect']);
    expect(connections[0]?.attributes).toMatchObject({
      [A.provider]: 'gcp.gemini',
      [A.requestModel]: 'gemini-live-test',
      [A.closeCode]: 1011,
      [A.connectionId]: 1,
    });
    expect(connections[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(connections[1]?.attributes[A.resumed]).toBe(true);
    expect(connections[1]?.status.code).toBe(SpanStatusCode.UNSET);
    const tools = children.filter((s) => s.name.startsWith('execute_tool '));
    const weatherSpan = tools.find((s) => s.name === 'execute_tool get_weather');
    const failSpan = tools.find((s) => s.name === 'execute_tool fail');
    expect(weatherSpan?.attributes).toMatchObject({
      [A.operation]: 'execute_tool',
      [A.toolName]: 'get_weather',
      [A.toolCallId]: 'w',
      [A.toolType]: 'function',
      [A.toolOutcome]: 'ok',
    });
    expect(weatherSpan?.status.code).toBe(SpanStatusCode.UNSET);
    expect(failSpan?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'backend down' });
    const stored =
      (await fixture.sessionService.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' }))?.events ??
      [];
    const appends = children.filter((s) => s.name === 'earshot.session.append_event');
    expect(appends).toHaveLength(stored.length);
    expect(children.filter((s) => s.name === 'earshot.session.get_session')).toHaveLength(1);
    expect(children.filter((s) => s.name === 'earshot.session.create_session')).toHaveLength(1);

    expect(await otel.sum(M.reconnects)).toBe(1);
    expect(await otel.sum(M.connections)).toBe(2);
    expect(await otel.sum(M.connections, { [A.connectionReason]: 'reconnect' })).toBe(1);
    expect(await otel.sum(M.activeConnections)).toBe(0);
    expect(await otel.sum(M.activeRuns)).toBe(0);
    expect(await otel.sum(M.audioOut)).toBeCloseTo(0.12, 6);
    expect(await otel.sum(M.audioIn)).toBeCloseTo(0.12, 6);
    // Events by persistence rule: exactly what the run yielded, each under its policy's rule.
    const runConfig = createRunConfig({ sessionResumption: {}, saveLiveAudio: true });
    const expected = new Map<string, number>();
    for (const event of run.events) {
      const { rule, persist } = classifyLiveEvent(event, runConfig);
      const key = `${rule}/${persist}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const points = await otel.metric(M.events);
    const measured = new Map(
      points.map((p) => [`${p.attributes[A.rule]}/${p.attributes[A.persisted]}`, p.value]),
    );
    expect(measured).toEqual(expected);
    expect(measured.get('audio-file/true')).toBeGreaterThan(0);
    expect(await otel.sum(M.events, { [A.persisted]: true })).toBe(stored.length);
    const toolPoints = await otel.metric(M.toolDuration);
    expect(toolPoints.map((p) => [p.attributes[A.toolName], p.attributes[A.toolOutcome]]).sort()).toEqual([
      ['fail', 'error'],
      ['get_weather', 'ok'],
    ]);
    const latency = (await otel.metric(M.addedLatency))[0]?.value as Histogram | undefined;
    expect(latency?.count).toBeGreaterThanOrEqual(6);
    expect(latency?.min).toBeGreaterThanOrEqual(0);
    const tokens = await otel.metric(M.tokenUsage);
    expect(tokens.map((p) => [p.attributes[A.tokenType], (p.value as Histogram).sum]).sort()).toEqual([
      ['input', 12],
      ['output', 30],
    ]);
    expect(await otel.sum(M.storageErrors)).toBe(0);
  });

  it('a failing store: the storage span and the run span carry the error, storage errors are counted', async () => {
    otel = testOtel();
    const sessionService = new InMemorySessionService();
    const append = sessionService.appendEvent.bind(sessionService);
    let appends = 0;
    sessionService.appendEvent = async (request) => {
      appends += 1;
      if (appends === 2) throw new StorageError('disk on fire');
      return append(request);
    };
    fixture = await startLive({
      frames: 'binary',
      runner: {
        sessionService,
        // End at the first failed append (the outage buffer would ride it out).
        storageOutage: false,
        telemetry: { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider },
      },
    });
    const { conn, run } = fixture;
    conn.sendOutputTranscription('one', { finished: true });
    conn.sendTurnComplete();
    const result = await run.done;
    expect(result.error).toBeInstanceOf(StorageError);
    const spans = otel.spans();
    const failed = spans.filter(
      (s) => s.name === 'earshot.session.append_event' && s.status.code === SpanStatusCode.ERROR,
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]?.attributes[A.errorType]).toBe('STORAGE');
    expect(failed[0]?.events.map((e) => e.name)).toEqual(['exception']);
    const runSpan = spans.find((s) => s.name === 'invoke_agent helper');
    expect(runSpan?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'disk on fire' });
    expect(runSpan?.attributes[A.errorType]).toBe('STORAGE');
    expect(await otel.sum(M.storageErrors, { [A.storageOperation]: 'append_event' })).toBe(1);
    expect(await otel.sum(M.activeRuns)).toBe(0);
  });

  it('with no SDK registered the per-chunk metric work is skipped; with one it is done', () => {
    expect(new RunnerInstruments().metricsOn).toBe(false);
    otel = testOtel();
    expect(new RunnerInstruments({ meterProvider: otel.meterProvider }).metricsOn).toBe(true);
  });

  it('telemetry: false reports nothing, even with providers registered globally', async () => {
    otel = testOtel();
    const { trace, metrics } = await import('@opentelemetry/api');
    trace.setGlobalTracerProvider(otel.tracerProvider);
    metrics.setGlobalMeterProvider(otel.meterProvider);
    try {
      fixture = await startLive({ frames: 'binary', runner: { telemetry: false } });
      fixture.conn.sendTurnComplete();
      await fixture.run.waitFor((e) => e.turnComplete === true);
      fixture.queue.close();
      expect(await fixture.run.done).toEqual({ error: undefined });
      expect(otel.spans()).toEqual([]);
      expect(await otel.metric(M.activeRuns)).toEqual([]);
      // The default is the global providers.
      await stopLive(fixture);
      fixture = await startLive({ frames: 'binary' });
      fixture.queue.close();
      expect(await fixture.run.done).toEqual({ error: undefined });
      expect(otel.spans().map((s) => s.name)).toContain('invoke_agent helper');
    } finally {
      trace.disable();
      metrics.disable();
    }
  });
});
