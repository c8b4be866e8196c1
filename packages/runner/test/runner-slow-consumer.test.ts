import { InMemorySessionService, SlowConsumerError } from '@earshot/core';
import { liveServerFrames as frames } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';
import { DEFAULT_MAX_PENDING_EVENTS, Runner } from '../src/runner.js';
import { ScriptedLiveModel } from './helpers/scripted-live-model.js';
import { waitUntil } from './helpers/wait.js';

function runnerWith(maxPendingEvents?: number) {
  const model = new ScriptedLiveModel();
  const agent = new LlmAgent({ name: 'helper', model });
  const runner = new Runner({
    appName: 'app',
    agent,
    sessionService: new InMemorySessionService(),
    maxPendingEvents,
  });
  return { model, runner };
}

describe('a caller that stops taking events', () => {
  it('past maxPendingEvents the run ends with SlowConsumerError; what it held stays bounded', async () => {
    const { model, runner } = runnerWith(50);
    const queue = new LiveRequestQueue();
    const events = runner.runLive({ userId: 'u', sessionId: 's', liveRequestQueue: queue });
    const first = events.next(); // starts the run; the caller then stops reading
    const conn = await model.nextConnection();
    const chunk = Buffer.alloc(1_920);
    for (let i = 0; i < 500; i++) conn.receive(frames.audio(chunk));
    await waitUntil(() => conn.isClosed, { what: 'the run closing its connection' });
    let taken = (await first).done ? 0 : 1;
    let thrown: unknown;
    try {
      for await (const _ of { [Symbol.asyncIterator]: () => events }) taken++;
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SlowConsumerError);
    expect((thrown as SlowConsumerError).code).toBe('SLOW_CONSUMER');
    expect((thrown as SlowConsumerError).limit).toBe(50);
    // The held events, plus the run's closing events; nothing like the 500 the model sent.
    expect(taken).toBeGreaterThan(50);
    expect(taken).toBeLessThan(60);
    queue.close();
  });

  it('a caller that keeps reading never hits the bound', async () => {
    const { model, runner } = runnerWith(50);
    const queue = new LiveRequestQueue();
    let audio = 0;
    const reading = (async () => {
      for await (const event of runner.runLive({ userId: 'u', sessionId: 's', liveRequestQueue: queue })) {
        if (event.content?.parts?.[0]?.inlineData) audio++;
      }
    })();
    const conn = await model.nextConnection();
    for (let i = 0; i < 500; i++) {
      conn.receive(frames.audio(Buffer.alloc(1_920)));
      if (i % 40 === 39) await waitUntil(() => audio >= i - 5, { what: `audio ${i}` });
    }
    await waitUntil(() => audio === 500, { what: 'every chunk' });
    queue.close();
    await reading;
  });

  it('maxPendingEvents is validated; the default is 10 000', () => {
    expect(DEFAULT_MAX_PENDING_EVENTS).toBe(10_000);
    expect(() => runnerWith(0)).toThrow(/maxPendingEvents/);
    expect(() => runnerWith(1.5)).toThrow(/maxPendingEvents/);
    expect(runnerWith().runner.maxPendingEvents).toBe(10_000);
  });
});
