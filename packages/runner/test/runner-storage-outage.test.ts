import {
  type AppendEventRequest,
  type Event,
  InMemorySessionService,
  InvalidArgumentError,
  StorageError,
} from '@earshot/core';
import { liveServerFrames as frames } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { STORAGE_DEGRADED, STORAGE_RECOVERED, StorageOutageError } from '../src/run/storage-outage.js';
import { Runner } from '../src/runner.js';
import { kindOf } from './helpers/collect.js';
import { startScriptedRun } from './helpers/fixture.js';
import { ScriptedLiveModel } from './helpers/scripted-live-model.js';
import { waitUntil } from './helpers/wait.js';

/**
 * A store that fails on command. `loseReplies` stores the event and then fails the call (a
 * reply lost on the way back), which a real server only does by chance; the real
 * redis-server outage is in @earshot/session-redis (test/storage-outage.test.ts).
 */
class FailingStore extends InMemorySessionService {
  down = false;
  loseReplies = false;
  attempts = 0;
  override async appendEvent(request: AppendEventRequest): Promise<Event> {
    this.attempts++;
    if (this.down) throw new StorageError('store unreachable');
    const event = await super.appendEvent(request);
    if (this.loseReplies) throw new Error('connection reset after the write');
    return event;
  }
}

const persistedKinds = (events: Event[]) =>
  events.filter((e) => !e.partial && !e.content?.parts?.some((p) => p.inlineData)).map(kindOf);
const notices = (events: Event[]) =>
  events
    .filter((e) => e.errorCode === STORAGE_DEGRADED || e.errorCode === STORAGE_RECOVERED)
    .map((e) => e.errorCode);

describe('storage outages do not hang up', () => {
  it('keeps the conversation going, holds events in order, stores each once after recovery', async () => {
    const store = new FailingStore();
    const { conn, run, stored, queue } = await startScriptedRun({ sessionService: store });
    conn.receive(frames.outputTranscription('before', true), frames.turnComplete());
    await run.waitForCount((e) => e.turnComplete === true, 1);
    store.down = true;
    conn.receive(frames.outputTranscription('during one', true), frames.turnComplete());
    conn.receive(frames.outputTranscription('during two', true), frames.turnComplete());
    // The events are yielded while the store is down: the caller hears the model.
    await run.waitForCount((e) => e.turnComplete === true, 3);
    expect(notices(run.events)).toEqual([STORAGE_DEGRADED]);
    expect(run.finished).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few failed retries
    store.down = false;
    await run.waitFor((e) => e.errorCode === STORAGE_RECOVERED);
    conn.receive(frames.outputTranscription('after', true), frames.turnComplete());
    await run.waitForCount((e) => e.turnComplete === true, 4);
    queue.close();
    const { error } = await run.done;
    expect(error).toBeUndefined();
    const yielded = run.events.filter((e) => e.errorCode === undefined);
    expect((await stored()).map((e) => e.id)).toEqual(
      yielded.filter((e) => persistedKinds([e]).length > 0).map((e) => e.id),
    );
    expect((await stored()).map(kindOf)).toEqual([
      'out:before',
      'turnComplete',
      'out:during one',
      'turnComplete',
      'out:during two',
      'turnComplete',
      'out:after',
      'turnComplete',
    ]);
    const recovered = run.events.find((e) => e.errorCode === STORAGE_RECOVERED)!;
    expect(recovered.customMetadata?.storedEvents).toBe(4);
    expect(recovered.customMetadata?.outageMs).toBeGreaterThanOrEqual(250);
    // The notices are never stored.
    expect((await stored()).some((e) => e.errorCode !== undefined)).toBe(false);
  });

  it('retries by event id: a write whose reply was lost is stored once', async () => {
    const store = new FailingStore();
    const { conn, run, stored, queue } = await startScriptedRun({ sessionService: store });
    store.loseReplies = true;
    conn.receive(frames.outputTranscription('once', true));
    await run.waitFor((e) => e.errorCode === STORAGE_DEGRADED);
    const attempts = store.attempts;
    await waitUntil(() => store.attempts > attempts + 1, { what: 'retries' });
    store.loseReplies = false;
    await run.waitFor((e) => e.errorCode === STORAGE_RECOVERED);
    queue.close();
    expect((await run.done).error).toBeUndefined();
    expect((await stored()).map(kindOf)).toEqual(['out:once']);
  });

  it('the caller closing the queue during an outage: the run ends once everything is stored', async () => {
    const store = new FailingStore();
    const { conn, run, stored, queue } = await startScriptedRun({ sessionService: store });
    store.down = true;
    conn.receive(frames.outputTranscription('held', true), frames.turnComplete());
    await run.waitForCount((e) => e.turnComplete === true, 1);
    queue.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(run.finished).toBe(false);
    store.down = false;
    expect((await run.done).error).toBeUndefined();
    expect((await stored()).map(kindOf)).toEqual(['out:held', 'turnComplete']);
    expect(notices(run.events)).toEqual([STORAGE_DEGRADED, STORAGE_RECOVERED]);
  });

  it('ends with StorageOutageError once maxEvents is exceeded', async () => {
    const store = new FailingStore();
    const { conn, run } = await startScriptedRun({ sessionService: store, storageOutage: { maxEvents: 3 } });
    store.down = true;
    for (let i = 0; i < 3; i++) conn.receive(frames.outputTranscription(`t${i}`, true));
    await run.waitForCount((e) => e.outputTranscription !== undefined, 3);
    expect(run.finished).toBe(false);
    conn.receive(frames.turnComplete());
    const { error } = await run.done;
    expect(error).toBeInstanceOf(StorageOutageError);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageOutageError).bound).toBe('maxEvents');
    expect((error as StorageOutageError).unpersisted).toBe(4);
    expect((error as Error).message).toContain('store unreachable');
    expect(run.events.at(-1)?.errorCode).toBe('STORAGE');
    expect(conn.isClosed).toBe(true);
  });

  it('ends with StorageOutageError once maxBytes is exceeded', async () => {
    const store = new FailingStore();
    const { conn, run } = await startScriptedRun({
      sessionService: store,
      storageOutage: { maxBytes: 2000 },
    });
    store.down = true;
    conn.receive(frames.outputTranscription('x'.repeat(3000), true));
    const { error } = await run.done;
    expect((error as StorageOutageError).bound).toBe('maxBytes');
    // Past the bound at once: like a plain failed append, the event is not yielded as if kept.
    expect(run.events.filter((e) => !e.partial).map(kindOf)).toEqual([
      `error:${STORAGE_DEGRADED}`,
      'error:STORAGE',
    ]);
    expect(conn.isClosed).toBe(true);
  });

  it('ends with StorageOutageError after maxMs even when no further event comes', async () => {
    const store = new FailingStore();
    const { conn, run } = await startScriptedRun({ sessionService: store, storageOutage: { maxMs: 400 } });
    store.down = true;
    const started = Date.now();
    conn.receive(frames.turnComplete());
    const { error } = await run.done;
    expect((error as StorageOutageError).bound).toBe('maxMs');
    expect((error as StorageOutageError).outageMs).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(kindOf(run.events[0]!)).toBe(`error:${STORAGE_DEGRADED}`);
    expect(run.events.map(kindOf).slice(1)).toEqual(['turnComplete', 'error:STORAGE']);
  });

  it('rejects storageOutage bounds that are not positive integers', () => {
    const agent = new LlmAgent({ name: 'a', model: new ScriptedLiveModel() });
    for (const bad of [{ maxEvents: 0 }, { maxBytes: -1 }, { maxMs: 1.5 }, { maxMs: Number.NaN }]) {
      expect(
        () =>
          new Runner({
            appName: 'x',
            agent,
            sessionService: new InMemorySessionService(),
            storageOutage: bad,
          }),
      ).toThrow(InvalidArgumentError);
    }
  });
});
