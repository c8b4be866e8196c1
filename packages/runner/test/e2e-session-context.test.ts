import {
  createEvent,
  type GetSessionRequest,
  InMemorySessionService,
  LIVE_RESUMPTION_HANDLE_KEY,
} from '@earshot/core';
import { clientFrameIs, FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { SESSION_CONTEXT_UNAVAILABLE } from '../src/connection/first-connection.js';
import { GeminiLiveModel } from '../src/connection/gemini-live-model.js';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';
import { Runner, type RunnerOptions } from '../src/runner.js';
import { FunctionTool } from '../src/tools/function-tool.js';
import { collect } from './helpers/collect.js';
import { startScriptedRun } from './helpers/fixture.js';

const KEY = { appName: 'app', userId: 'u1', sessionId: 's1' };
let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function liveRunner(sessionService: InMemorySessionService, options: Partial<RunnerOptions> = {}) {
  const model = new GeminiLiveModel({
    model: 'gemini-live-test',
    apiKey: 'test-key',
    httpOptions: { baseUrl: (server as FakeLiveServer).baseUrl, apiVersion: 'v1beta' },
  });
  const lookup = new FunctionTool({
    name: 'lookup',
    description: 'weather',
    execute: ({ city }: { city?: string }) => ({ city, sky: 'sunny' }),
  });
  const agent = new LlmAgent({ name: 'helper', model, tools: [lookup] });
  return new Runner({ appName: 'app', agent, sessionService, ...options });
}

function startRun(runner: Runner) {
  const queue = new LiveRequestQueue();
  const run = collect(
    runner.runLive({ ...KEY, liveRequestQueue: queue, runConfig: { sessionResumption: {} } }),
  );
  return { queue, run };
}

describe('context on a new Gemini session, through the real SDK', () => {
  it('a refused handle: the new session first gets the stored conversation; a resumed one never does', async () => {
    server = await FakeLiveServer.start();
    const sessionService = new InMemorySessionService();
    const runner = liveRunner(sessionService);
    // First run: a conversation with a tool call, on a brand-new session (no context to give).
    const first = startRun(runner);
    const conn = await server.nextConnection();
    conn.sendInputTranscription('weather in Oslo?', { finished: true });
    conn.sendToolCall([{ id: 'c1', name: 'lookup', args: { city: 'Oslo' } }]);
    await conn.waitFor(clientFrameIs.toolResponseFor('c1'));
    conn.sendOutputTranscription('It is sunny in Oslo.', { finished: true });
    conn.sendTurnComplete();
    conn.sendResumptionUpdate('h1');
    conn.sendTurnComplete();
    await first.run.waitForCount((e) => e.turnComplete === true, 2);
    first.queue.close();
    expect(await first.run.done).toEqual({ error: undefined });
    expect(conn.received.some(clientFrameIs.clientContent)).toBe(false);
    expect((await sessionService.getSession(KEY))?.state[LIVE_RESUMPTION_HANDLE_KEY]).toBe('h1');

    // Second run: the stored handle has expired.
    server.planConnection({ closeBeforeSetupComplete: { code: 1008, reason: 'handle expired' } });
    const second = startRun(runner);
    const refused = await server.nextConnection();
    expect(refused.setup?.sessionResumption).toEqual({ handle: 'h1' });
    const fresh = await server.nextConnection({ timeoutMs: 20_000 });
    expect(fresh.setup?.sessionResumption).toEqual({});
    const context = await fresh.waitFor(() => true);
    expect(context).toEqual({
      clientContent: {
        turns: [
          { role: 'user', parts: [{ text: 'weather in Oslo?' }] },
          { role: 'model', parts: [{ text: '[tool call] lookup({"city":"Oslo"})' }] },
          {
            role: 'user',
            parts: [{ text: '[tool result] lookup: {"output":{"city":"Oslo","sky":"sunny"}}' }],
          },
          { role: 'model', parts: [{ text: 'It is sunny in Oslo.' }] },
        ],
        turnComplete: false,
      },
    });
    fresh.sendResumptionUpdate('h2');
    await second.run.waitFor((e) => e.liveSessionResumptionUpdate?.newHandle === 'h2');
    fresh.terminate();
    const resumed = await server.nextConnection({ timeoutMs: 20_000 });
    expect(resumed.setup?.sessionResumption).toEqual({ handle: 'h2' });
    const pcm = pcm16Tone({ ms: 20, rate: 16_000 });
    second.queue.sendRealtime({ data: pcm.toString('base64'), mimeType: 'audio/pcm;rate=16000' });
    await resumed.waitFor(clientFrameIs.audio);
    second.queue.close();
    expect(await second.run.done).toEqual({ error: undefined });
    expect(resumed.received.some(clientFrameIs.clientContent)).toBe(false);
    expect(resumed.received[0]?.realtimeInput?.audio).toBeDefined();
  });
});

/** A session service that records how runs read it. */
class ReadCountingSessions extends InMemorySessionService {
  readonly reads: Array<GetSessionRequest['config']> = [];
  override async getSession(request: GetSessionRequest) {
    this.reads.push(request.config);
    return super.getSession(request);
  }
}

async function sessionWith(events: number): Promise<ReadCountingSessions> {
  const sessionService = new ReadCountingSessions();
  const session = await sessionService.createSession({ appName: 'app', userId: 'u1', sessionId: 's1' });
  for (let i = 0; i < events; i++) {
    const text = `line ${i} `.padEnd(100, 'x');
    const event =
      i % 2 === 0
        ? createEvent({ author: 'user', inputTranscription: { text, finished: true } })
        : createEvent({ author: 'helper', outputTranscription: { text, finished: true } });
    await sessionService.appendEvent({ session, event });
  }
  return sessionService;
}

describe('the bound of the context (scripted model)', () => {
  it('a session with 10 000 events: only the newest within the bounds are read and sent', async () => {
    const sessionService = await sessionWith(10_000);
    const { conn, queue, run } = await startScriptedRun({ sessionService });
    const [first] = conn.sent;
    queue.close();
    await run.done;
    expect(first?.kind).toBe('content');
    if (first?.kind !== 'content') return;
    expect(first.turnComplete).toBe(false);
    const lines = first.turns.flatMap((turn) => (turn.parts?.[0]?.text ?? '').split('\n'));
    // Default bounds: 200 events, 20 000 characters; the newest are kept.
    const chars = lines.reduce((sum, line) => sum + line.length, 0);
    expect(chars).toBeLessThanOrEqual(20_000);
    expect(lines.length).toBe(200);
    expect(lines.at(-1)?.startsWith('line 9999 ')).toBe(true);
    expect(lines[0]?.startsWith('line 9800 ')).toBe(true);
    expect(first.turns.map((turn) => turn.role).slice(0, 2)).toEqual(['user', 'model']);
    // What was read is bounded too: the run's own read of the session, then the 200 newest events.
    expect(sessionService.reads).toEqual([{ numRecentEvents: 0 }, { numRecentEvents: 200 }]);
  });

  it('tighter bounds keep the newest characters; 0 turns the context off', async () => {
    const sessionService = await sessionWith(50);
    const model = await startScriptedRun({ sessionService, newSessionContext: { maxChars: 250 } });
    const [first] = model.conn.sent;
    model.queue.close();
    await model.run.done;
    expect(first?.kind === 'content' && first.turns.map((t) => t.parts?.[0]?.text?.slice(0, 8))).toEqual([
      'line 48 ',
      'line 49 ',
    ]);
    const off = await startScriptedRun({ sessionService, newSessionContext: { maxEvents: 0 } });
    off.queue.close();
    await off.run.done;
    expect(off.conn.sent).toEqual([]);
  });

  it('rejects bad bounds at construction', () => {
    const sessionService = new InMemorySessionService();
    expect(() => liveRunnerFor(sessionService, { newSessionContext: { maxEvents: -1 } })).toThrow(
      /maxEvents/,
    );
    expect(() => liveRunnerFor(sessionService, { newSessionContext: { maxChars: 1.5 } })).toThrow(/maxChars/);
  });
});

function liveRunnerFor(sessionService: InMemorySessionService, options: Partial<RunnerOptions>) {
  const agent = new LlmAgent({ name: 'helper', model: 'gemini-live-test' });
  return new Runner({ appName: 'app', agent, sessionService, ...options });
}

describe('context failures', () => {
  it('a store that cannot be read for context: a non-persisted notice, the session starts without it', async () => {
    class FailingReads extends InMemorySessionService {
      override async getSession(request: GetSessionRequest) {
        if (request.config?.numRecentEvents) throw new Error('store down');
        return super.getSession(request);
      }
    }
    const sessionService = new FailingReads();
    await sessionService.createSession(KEY);
    const { conn, queue, run, stored } = await startScriptedRun({ sessionService });
    const notice = await run.waitFor((e) => e.errorCode === SESSION_CONTEXT_UNAVAILABLE);
    expect(notice.errorMessage).toMatch(/store down/);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(conn.sent).toEqual([]);
    expect(await stored()).toEqual([]);
  });
});
