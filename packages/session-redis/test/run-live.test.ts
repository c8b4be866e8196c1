import { type Event, LIVE_RESUMPTION_HANDLE_KEY } from '@earshot/core';
import { FunctionTool, GeminiLiveModel, LiveRequestQueue, LlmAgent, Runner } from '@earshot/runner';
import { FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionService } from '../src/index.js';
import { useRedis } from './support.js';

const { client } = useRedis();
const key = { appName: 'voice', userId: 'u1', sessionId: 's1' };
let live: FakeLiveServer;

beforeAll(async () => {
  live = await FakeLiveServer.start();
});
afterAll(async () => {
  await live?.close();
});

/** One "process": its own Redis connection, service instance and Runner. */
function process(prefix: string) {
  const sessionService = new RedisSessionService({ redis: client(), keyPrefix: prefix });
  const weather = new FunctionTool({
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    execute: (args: Record<string, unknown>) => ({ city: args.city, sky: 'sunny' }),
  });
  const model = new GeminiLiveModel({
    model: 'gemini-live-test',
    apiKey: 'test-key',
    httpOptions: { baseUrl: live.baseUrl, apiVersion: 'v1beta' },
  });
  const agent = new LlmAgent({ name: 'helper', model, instruction: 'Be brief.', tools: [weather] });
  return { sessionService, runner: new Runner({ appName: key.appName, agent, sessionService }) };
}

async function drain(run: AsyncGenerator<Event>, until: (e: Event) => boolean, queue: LiveRequestQueue) {
  const events: Event[] = [];
  for await (const event of run) {
    events.push(event);
    if (until(event)) queue.close();
  }
  return events;
}

describe('Runner.runLive through FakeLiveServer with RedisSessionService as the store', () => {
  it('persists exactly the policy set into Redis, readable by another process, which can continue the session', async () => {
    const prefix = `live-${Date.now()}:`;
    const first = process(prefix);
    const queue = new LiveRequestQueue();
    const run = first.runner.runLive({
      userId: key.userId,
      sessionId: key.sessionId,
      liveRequestQueue: queue,
    });
    // An async generator does nothing until iterated: drain in the background from the start.
    const firstRun = drain(run, (e) => e.usageMetadata !== undefined, queue);
    const conn = await live.nextConnection({ timeoutMs: 20_000 });
    queue.sendContent({ role: 'user', parts: [{ text: 'weather in Paris?' }] });
    conn.sendInputTranscription('weather in', {});
    conn.sendInputTranscription(' Paris?', { finished: true });
    conn.sendToolCall([{ id: 'call-1', name: 'get_weather', args: { city: 'Paris' } }]);
    await conn.waitFor((frame) => 'toolResponse' in frame, { timeoutMs: 20_000 });
    conn.sendAudio(pcm16Tone({ ms: 40, rate: 24_000, seed: 1 }));
    conn.sendOutputTranscription('Sunny', {});
    conn.sendOutputTranscription(' in Paris.', { finished: true });
    conn.sendResumptionUpdate('handle-1');
    conn.sendTurnComplete();
    conn.sendUsage({ promptTokenCount: 10, responseTokenCount: 5, totalTokenCount: 15 });
    const yielded = await firstRun;
    expect(yielded.some((e) => e.partial)).toBe(true);

    // Another process reads what the first one persisted: no partials, no raw audio.
    const second = process(prefix);
    const stored = (await second.sessionService.getSession(key))!;
    expect(stored.events.some((e) => e.partial)).toBe(false);
    expect(stored.events.some((e) => e.content?.parts?.some((p) => p.inlineData))).toBe(false);
    const kinds = stored.events.map((e) => {
      if (e.content?.parts?.some((p) => p.functionCall)) return 'call';
      if (e.content?.parts?.some((p) => p.functionResponse)) return 'response';
      if (e.inputTranscription) return `in:${e.inputTranscription.text}`;
      if (e.outputTranscription) return `out:${e.outputTranscription.text}`;
      if (e.turnComplete) return 'turnComplete';
      if (e.usageMetadata) return 'usage';
      const text = e.content?.parts?.find((p) => p.text !== undefined)?.text;
      if (text !== undefined) return `text:${text}`;
      return 'other';
    });
    // The exact persisted set (order across input/model streams is the runner's business).
    expect([...kinds].sort()).toEqual(
      [
        'in:weather in Paris?',
        'text:weather in Paris?',
        'call',
        'response',
        'out:Sunny in Paris.',
        'turnComplete',
        'usage',
      ].sort(),
    );
    // Every stored event was yielded, and storage keeps the order they were yielded in.
    const storedIds = new Set(stored.events.map((e) => e.id));
    expect(stored.events.map((e) => e.id)).toEqual(
      yielded.map((e) => e.id).filter((id) => storedIds.has(id)),
    );
    expect(stored.state[LIVE_RESUMPTION_HANDLE_KEY]).toBe('handle-1');
    const response = stored.events.find((e) => e.content?.parts?.some((p) => p.functionResponse));
    expect(JSON.stringify(response?.content?.parts?.[0]?.functionResponse?.response)).toContain(
      '"sky":"sunny"',
    );

    // The second process runs the same session on: appends land after the first run's events.
    const queue2 = new LiveRequestQueue();
    const run2 = second.runner.runLive({
      userId: key.userId,
      sessionId: key.sessionId,
      liveRequestQueue: queue2,
    });
    const secondRun = drain(run2, (e) => e.turnComplete === true, queue2);
    const conn2 = await live.nextConnection({ timeoutMs: 20_000 });
    conn2.sendOutputTranscription('Anything else?', { finished: true });
    conn2.sendTurnComplete();
    await secondRun;
    const after = (await first.sessionService.getSession(key))!;
    expect(after.events.slice(0, stored.events.length).map((e) => e.id)).toEqual(
      stored.events.map((e) => e.id),
    );
    expect(
      after.events.slice(stored.events.length).map((e) => e.outputTranscription?.text ?? 'turn'),
    ).toEqual(['Anything else?', 'turn']);
    expect(new Set(after.events.map((e) => e.invocationId)).size).toBe(2);
    const { sessions } = await first.sessionService.listSessions({
      appName: key.appName,
      userId: key.userId,
    });
    expect(sessions.map((s) => s.id)).toEqual([key.sessionId]);
  });
});
