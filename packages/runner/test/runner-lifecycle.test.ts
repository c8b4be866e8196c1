import {
  type AppendEventRequest,
  type Event,
  InMemorySessionService,
  InvalidArgumentError,
  LiveConnectionError,
  LiveProtocolError,
  NotFoundError,
  StorageError,
} from '@earshot/core';
import { liveServerFrames as frames, pcm16Tone } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';
import { Runner } from '../src/runner.js';
import { FunctionTool } from '../src/tools/function-tool.js';
import { kindOf } from './helpers/collect.js';
import { APP, SESSION, startScriptedRun, USER } from './helpers/fixture.js';
import { ScriptedLiveModel } from './helpers/scripted-live-model.js';
import { waitUntil } from './helpers/wait.js';

const isKind = (kind: string) => (event: Event) => kindOf(event) === kind;

/** An in-memory service whose appends can be slowed down or made to fail. */
class FlakySessionService extends InMemorySessionService {
  failWith: Error | undefined;
  delayMs = 0;
  readonly appendedIds = new Set<string>();

  override async appendEvent(request: AppendEventRequest): Promise<Event> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failWith) throw this.failWith;
    const event = await super.appendEvent(request);
    this.appendedIds.add(event.id);
    return event;
  }
}

describe('run lifecycle and failures (scripted model)', () => {
  it('appends persisted events before yielding them, in order, even with slow appends', async () => {
    const sessionService = new FlakySessionService();
    sessionService.delayMs = 15;
    const { conn, queue, stored, run } = await startScriptedRun({ sessionService });
    conn.receive(
      frames.outputTranscription('a', true),
      frames.audio(pcm16Tone({ ms: 10, rate: 24_000 })),
      frames.outputTranscription('b', true),
      frames.turnComplete(),
    );
    await run.waitFor(isKind('turnComplete'));
    queue.close();
    await run.done;
    expect(run.events.map(kindOf)).toEqual([
      'partial-out:a',
      'out:a',
      'audio',
      'partial-out:b',
      'out:b',
      'turnComplete',
    ]);
    expect((await stored()).map(kindOf)).toEqual(['out:a', 'out:b', 'turnComplete']);
  });

  it('never yields a persisted event that is not stored yet', async () => {
    const sessionService = new FlakySessionService();
    sessionService.delayMs = 5;
    const model = new ScriptedLiveModel();
    const runner = new Runner({
      appName: APP,
      agent: new LlmAgent({ name: 'helper', model }),
      sessionService,
    });
    const queue = new LiveRequestQueue();
    const checks: boolean[] = [];
    const consuming = (async () => {
      for await (const event of runner.runLive({
        userId: USER,
        sessionId: SESSION,
        liveRequestQueue: queue,
      })) {
        if (!event.partial && kindOf(event) !== 'audio')
          checks.push(sessionService.appendedIds.has(event.id));
      }
    })();
    const conn = await model.nextConnection();
    for (let i = 0; i < 5; i++)
      conn.receive(frames.outputTranscription(`t${i}`, true), frames.turnComplete());
    await waitUntil(() => checks.length === 10);
    queue.close();
    await consuming;
    expect(checks).toEqual(Array(10).fill(true));
  });

  it('with storageOutage: false, a failed append ends the run: error event yielded (not stored), typed error thrown', async () => {
    const sessionService = new FlakySessionService();
    const { conn, run, stored } = await startScriptedRun({ sessionService, storageOutage: false });
    conn.receive(frames.turnComplete());
    await run.waitFor(isKind('turnComplete'));
    sessionService.failWith = new Error('redis down');
    conn.receive(frames.audio(pcm16Tone({ ms: 10, rate: 24_000 })), frames.interrupted());
    const { error } = await run.done;
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain('redis down');
    expect(run.events.map(kindOf)).toEqual(['turnComplete', 'audio', 'error:STORAGE']);
    sessionService.failWith = undefined;
    expect((await stored()).map(kindOf)).toEqual(['turnComplete']);
    expect(conn.isClosed).toBe(true);
  });

  it('keeps a typed store error as it is (session deleted during the run)', async () => {
    const sessionService = new FlakySessionService();
    const { conn, run } = await startScriptedRun({ sessionService });
    sessionService.failWith = new NotFoundError('session "s1" does not exist');
    conn.receive(frames.turnComplete());
    const { error } = await run.done;
    expect(error).toBeInstanceOf(NotFoundError);
    expect(run.events.map(kindOf)).toEqual(['error:NOT_FOUND']);
  });

  it('a drop while the queue is open: error event persisted, LiveConnectionError with the close code', async () => {
    const { conn, run, storedKinds } = await startScriptedRun();
    conn.receive(frames.outputTranscription('Hel'));
    await run.waitFor(isKind('partial-out:Hel'));
    conn.drop({ code: 1011, reason: 'internal error' });
    const { error } = await run.done;
    expect(error).toBeInstanceOf(LiveConnectionError);
    expect((error as LiveConnectionError).closeCode).toBe(1011);
    expect(run.events.map(kindOf)).toEqual(['partial-out:Hel', 'error:LIVE_CONNECTION']);
    expect(run.events.at(-1)?.errorMessage).toBe(
      'live connection closed unexpectedly (code 1011): internal error; no resumption handle to reconnect with',
    );
    expect(await storedKinds()).toEqual(['error:LIVE_CONNECTION']);
  });

  it('a server close after the caller closed the queue is a normal end', async () => {
    const slow = new FunctionTool({
      name: 'slow',
      description: 's',
      execute: () => new Promise((resolve) => setTimeout(() => resolve('late'), 100)),
    });
    const { conn, queue, run } = await startScriptedRun({ tools: [slow] });
    conn.receive(frames.toolCall([{ id: 'c1', name: 'slow', args: {} }]));
    await run.waitFor(isKind('call'));
    queue.close();
    conn.drop({ code: 1000 });
    expect(await run.done).toEqual({ error: undefined });
    expect(run.events.map(kindOf)).toEqual(['call', 'response']);
  });

  it('a protocol error from the adapter: error event, LiveProtocolError, earlier events kept', async () => {
    const { conn, run, storedKinds } = await startScriptedRun();
    conn.receive(frames.outputTranscription('ok', true));
    conn.protocolError(new LiveProtocolError('server frame is not JSON: "garbage"'));
    const { error } = await run.done;
    expect(error).toBeInstanceOf(LiveProtocolError);
    expect(run.events.map(kindOf)).toEqual(['partial-out:ok', 'out:ok', 'error:LIVE_PROTOCOL']);
    expect(await storedKinds()).toEqual(['out:ok', 'error:LIVE_PROTOCOL']);
    expect(conn.isClosed).toBe(true);
  });

  it('a malformed message: error event, LiveProtocolError', async () => {
    const { conn, run } = await startScriptedRun();
    conn.receive({ serverContent: { modelTurn: { parts: 'nope' } } });
    const { error } = await run.done;
    expect(error).toBeInstanceOf(LiveProtocolError);
    expect(run.events.map(kindOf)).toEqual(['error:LIVE_PROTOCOL']);
  });

  it('a failed connect: error event persisted, LiveConnectionError thrown', async () => {
    const model = new ScriptedLiveModel();
    model.failNextConnect = new LiveConnectionError('no setupComplete within 100 ms');
    const { run, storedKinds } = await startScriptedRun({ model, noConnection: true });
    const { error } = await run.done;
    expect(error).toBeInstanceOf(LiveConnectionError);
    expect(run.events.map(kindOf)).toEqual(['error:LIVE_CONNECTION']);
    expect(await storedKinds()).toEqual(['error:LIVE_CONNECTION']);
  });

  it('break stops everything: tools aborted, connection closed, queue released with unread input kept', async () => {
    let toolSignal: AbortSignal | undefined;
    const hang = new FunctionTool({
      name: 'hang',
      description: 'h',
      execute: (_args, context) => {
        toolSignal = context.signal;
        return new Promise(() => {});
      },
    });
    const model = new ScriptedLiveModel();
    const runner = new Runner({
      appName: APP,
      agent: new LlmAgent({ name: 'helper', model, tools: [hang] }),
      sessionService: new InMemorySessionService(),
    });
    const queue = new LiveRequestQueue();
    const seen: string[] = [];
    const consuming = (async () => {
      for await (const event of runner.runLive({
        userId: USER,
        sessionId: SESSION,
        liveRequestQueue: queue,
      })) {
        seen.push(kindOf(event));
        if (event.turnComplete) break;
      }
    })();
    const conn = await model.nextConnection();
    conn.receive(frames.toolCall([{ id: 'c1', name: 'hang', args: {} }]), frames.turnComplete());
    await consuming;
    expect(seen).toEqual(['call', 'turnComplete']);
    expect(conn.isClosed).toBe(true);
    expect(toolSignal?.aborted).toBe(true);
    expect(conn.sent.filter((s) => s.kind === 'toolResponse')).toEqual([]);
    // The queue is free again and nothing sent after the break was consumed by the dead run.
    queue.sendActivityStart();
    expect(queue.isClosed).toBe(false);
    expect(await queue.get()).toEqual({ done: false, value: { kind: 'activityStart' } });
    expect(() => queue.attach({})).not.toThrow();
  });

  it('rejects a queue that already feeds another run', async () => {
    const first = await startScriptedRun();
    const second = first.runner.runLive({ userId: USER, sessionId: 'other', liveRequestQueue: first.queue });
    await expect(second.next()).rejects.toThrow('already feeds another live run');
    first.queue.close();
    await first.run.done;
  });
});

describe('argument checks', () => {
  it('rejects a bad runner configuration and bad runLive requests with InvalidArgumentError', async () => {
    const sessionService = new InMemorySessionService();
    const agent = new LlmAgent({ name: 'helper', model: new ScriptedLiveModel() });
    expect(() => new Runner({ appName: '', agent, sessionService })).toThrow(InvalidArgumentError);
    expect(() => new Runner({ appName: 'app', agent: {} as LlmAgent, sessionService })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new Runner({ appName: 'app', agent, sessionService, toolTimeoutMs: 0 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new LlmAgent({ name: 'user', model: new ScriptedLiveModel() })).toThrow(
      InvalidArgumentError,
    );
    const runner = new Runner({ appName: 'app', agent, sessionService });
    const queue = new LiveRequestQueue();
    await expect(
      runner.runLive({ userId: '', sessionId: 's', liveRequestQueue: queue }).next(),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(
      runner.runLive({ userId: 'u', sessionId: 's', liveRequestQueue: {} as LiveRequestQueue }).next(),
    ).rejects.toThrow(InvalidArgumentError);
    expect(await sessionService.listSessions({ appName: 'app', userId: 'u' })).toEqual({ sessions: [] });
  });
});
