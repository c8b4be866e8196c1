import { setTimeout as sleep } from 'node:timers/promises';
import { type Event, InMemorySessionService, LiveConnectionError } from '@earshot/core';
import { FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { GeminiLiveModel } from '../src/connection/gemini-live-model.js';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';
import { Runner } from '../src/runner.js';
import { FunctionTool } from '../src/tools/function-tool.js';
import { collect, kindOf } from './helpers/collect.js';
import { type FrameEncoding, startLive, stopLive } from './helpers/live-fixture.js';
import { ObservedModel } from './helpers/observed-model.js';
import {
  type ConversationStep,
  conversationSteps,
  type Fault,
  ResumableConversation,
  seededRandom,
} from './helpers/resumable-conversation.js';

const RECONNECT = { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 };

interface ConversationResult {
  error: unknown;
  /** Persisted events without id, timestamp and invocation id. */
  stored: Array<Omit<Event, 'id' | 'timestamp' | 'invocationId'>>;
  invocationIds: Set<string>;
  sent: Buffer;
  received: Buffer;
  connections: number;
  problems: string[];
  injected: Fault[];
}

/** One run through a whole scripted conversation on the real SDK, with faults injected. */
async function runConversation(
  turns: number,
  faults: ReadonlyMap<number, Fault>,
  frames: FrameEncoding = 'binary',
): Promise<ConversationResult> {
  const server = await FakeLiveServer.start({ frames });
  const model = new ObservedModel(
    new GeminiLiveModel({
      model: 'gemini-live-test',
      apiKey: 'test-key',
      httpOptions: { baseUrl: server.baseUrl, apiVersion: 'v1beta' },
    }),
  );
  const lookup = new FunctionTool({
    name: 'lookup',
    description: 'Looks something up',
    execute: async (args: Record<string, unknown>) => {
      await sleep(15); // long enough for a fault to land before the answer
      return { found: args.turn };
    },
  });
  const agent = new LlmAgent({ name: 'helper', model, instruction: 'Be brief.', tools: [lookup] });
  const sessionService = new InMemorySessionService();
  const runner = new Runner({ appName: 'app', agent, sessionService, reconnect: RECONNECT });
  const queue = new LiveRequestQueue();
  const sent: Buffer[] = [];
  const speak = (count: number) => {
    for (let i = 0; i < count; i++) {
      const pcm = pcm16Tone({ ms: 20, rate: 16_000, seed: 1_000 + sent.length });
      sent.push(pcm);
      queue.sendRealtime({ data: pcm.toString('base64'), mimeType: 'audio/pcm;rate=16000' });
    }
  };
  const conversation = new ResumableConversation({
    server,
    model,
    steps: conversationSteps(turns),
    faults,
    speak,
    bytesSent: () => sent.reduce((total, pcm) => total + pcm.length, 0),
  });
  conversation.start();
  const run = collect(
    runner.runLive({
      userId: 'u1',
      sessionId: 's1',
      liveRequestQueue: queue,
      runConfig: { sessionResumption: {} },
    }),
  );
  try {
    await Promise.race([conversation.finished(), run.done]);
    await run.waitFor((e) => e.liveSessionResumptionUpdate?.newHandle === `h-${turns}`, 'the last handle');
    queue.close();
    const { error } = await run.done;
    // The run closed its last connection: once the server saw every close, it has every frame.
    await Promise.all(server.connections.map((conn) => conn.closed));
    const session = await sessionService.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' });
    const events = session?.events ?? [];
    return {
      error,
      stored: events.map(({ id: _id, timestamp: _t, invocationId: _i, ...rest }) => rest),
      invocationIds: new Set(run.events.map((e) => e.invocationId)),
      sent: Buffer.concat(sent),
      received: conversation.receivedAudio(),
      connections: server.connections.length,
      problems: [...conversation.problems, ...server.errors.map(String)],
      injected: conversation.injected,
    };
  } finally {
    conversation.stop();
    if (!queue.isClosed) queue.close();
    await run.done;
    await server.close();
  }
}

/** `count` distinct fault points after the first handle, none where a killed socket would eat a tool answer. */
function pickFaults(
  steps: ConversationStep[],
  count: number,
  seed: number,
  kinds: Fault[],
): Map<number, Fault> {
  const random = seededRandom(seed);
  const faults = new Map<number, Fault>();
  const firstHandle = steps.findIndex((s) => 'send' in s && JSON.stringify(s.send).includes('"h-1"'));
  while (faults.size < count) {
    const at = firstHandle + 1 + Math.floor(random() * (steps.length - firstHandle - 1));
    const kind = kinds[Math.floor(random() * kinds.length)] as Fault;
    const step = steps[at] as ConversationStep;
    if (faults.has(at) || (kind === 'terminate' && 'awaitToolResponse' in step)) continue;
    faults.set(at, kind);
  }
  return faults;
}

function expectSameAsWithoutFaults(
  faulty: ConversationResult,
  clean: ConversationResult,
  faults: number,
): void {
  expect(faulty.error).toBeUndefined();
  expect(faulty.problems).toEqual([]);
  expect(faulty.injected).toHaveLength(faults);
  expect(faulty.connections).toBe(faults + 1);
  expect(faulty.invocationIds.size).toBe(1);
  expect(faulty.stored).toEqual(clean.stored);
  // Every input byte reached exactly one connection, in the order it was sent.
  expect(faulty.received.length).toBe(faulty.sent.length);
  expect(faulty.received.equals(faulty.sent)).toBe(true);
}

describe('a live run survives its connections (real SDK, FakeLiveServer)', { timeout: 120_000 }, () => {
  it('the scripted conversation without faults: one connection, all input delivered', async () => {
    const clean = await runConversation(3, new Map());
    expect(clean.error).toBeUndefined();
    expect(clean.problems).toEqual([]);
    expect(clean.connections).toBe(1);
    expect(clean.received.equals(clean.sent)).toBe(true);
    expect(clean.stored.map((e) => kindOf(e as Event))).toContain('call');
  });

  it.each([1, 2, 3])(
    'abnormal closes (1006, 1011) at seeded random points of a turn (seed %i)',
    async (seed) => {
      const turns = 4;
      const faults = pickFaults(conversationSteps(turns), 4, seed, ['terminate', 1011]);
      const clean = await runConversation(turns, new Map());
      const faulty = await runConversation(turns, faults, seed % 2 === 0 ? 'text' : 'binary');
      expectSameAsWithoutFaults(faulty, clean, faults.size);
    },
  );

  it('goAway followed by a close: the runner moves at once, the close hits the old connection', async () => {
    const turns = 2;
    const steps = conversationSteps(turns);
    const midTurn = steps.findIndex((s) => 'send' in s && JSON.stringify(s.send).includes('Answer 2'));
    const clean = await runConversation(turns, new Map());
    const faulty = await runConversation(turns, new Map([[midTurn, 'goAwayThenClose']]));
    expectSameAsWithoutFaults(faulty, clean, 1);
  });

  it('faults while a tool call runs: its answer goes to the resumed session, which waits for it', async () => {
    const turns = 6;
    const steps = conversationSteps(turns);
    const kinds: Fault[] = [1011, 'goAway', 1013];
    const atCalls = steps.flatMap((step, at) => ('awaitToolResponse' in step ? [at] : []));
    const faults = new Map(atCalls.map((at, i) => [at, kinds[i % kinds.length] as Fault]));
    const clean = await runConversation(turns, new Map());
    const faulty = await runConversation(turns, faults);
    expectSameAsWithoutFaults(faulty, clean, faults.size);
  });

  it('20 reconnects in one run (every kind of fault), nothing lost or duplicated', async () => {
    const turns = 6;
    const kinds: Fault[] = ['terminate', 1011, 1012, 1013, 1000, 'goAway', 'goAwayThenClose'];
    const faults = pickFaults(conversationSteps(turns), 20, 7, kinds);
    const clean = await runConversation(turns, new Map());
    const faulty = await runConversation(turns, faults);
    expectSameAsWithoutFaults(faulty, clean, 20);
  });
});

describe('drops the runner must not reconnect', () => {
  it('a close with no handle yet: error event, LiveConnectionError, no second connection', async () => {
    const fixture = await startLive({ frames: 'binary', runConfig: { sessionResumption: {} } });
    try {
      fixture.conn.sendOutputTranscription('Hi', { finished: true });
      await fixture.run.waitFor((e) => kindOf(e) === 'out:Hi');
      fixture.conn.close(1011, 'internal');
      const { error } = await fixture.run.done;
      expect(error).toBeInstanceOf(LiveConnectionError);
      expect((error as Error).message).toContain('no resumption handle');
      expect(fixture.run.events.map(kindOf)).toEqual(['partial-out:Hi', 'out:Hi', 'error:LIVE_CONNECTION']);
      expect(await fixture.storedKinds()).toEqual(['out:Hi', 'error:LIVE_CONNECTION']);
      await sleep(100);
      expect(fixture.server.connections).toHaveLength(1);
    } finally {
      await stopLive(fixture);
    }
  });

  it('a close right after the caller closed the queue: normal end, no reconnect, no zombie', async () => {
    const fixture = await startLive({ frames: 'binary', runConfig: { sessionResumption: {} } });
    try {
      fixture.conn.sendResumptionUpdate('h1');
      await fixture.run.waitFor((e) => e.liveSessionResumptionUpdate !== undefined);
      fixture.queue.close();
      fixture.conn.close(1011, 'internal');
      expect(await fixture.run.done).toEqual({ error: undefined });
      await sleep(200); // a zombie reconnect would have shown up by now
      expect(fixture.server.connections).toHaveLength(1);
      expect(fixture.server.connections.every((c) => !c.isOpen)).toBe(true);
    } finally {
      await stopLive(fixture);
    }
  });
});
