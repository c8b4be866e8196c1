import { type Event, InMemorySessionService } from '@earshot/core';
import { liveServerFrames as frames } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';
import { Runner } from '../src/runner.js';
import { FunctionTool } from '../src/tools/function-tool.js';
import { kindOf } from './helpers/collect.js';
import { startScriptedRun } from './helpers/fixture.js';
import { ScriptedLiveModel } from './helpers/scripted-live-model.js';

const isResponse = (event: Event) => kindOf(event) === 'response';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('tools in a live run (scripted model)', () => {
  it('runs the calls at once (no turnComplete needed), answers in one toolResponse, persists call and response', async () => {
    const weather = new FunctionTool({
      name: 'get_weather',
      description: 'Weather',
      execute: async (args: { city?: unknown }, context) => {
        context.state.set('last_city', args.city);
        return { city: args.city, temp: 21 };
      },
    });
    const boom = new FunctionTool({
      name: 'boom',
      description: 'fails',
      execute: () => {
        throw new Error('kaput');
      },
    });
    const { conn, queue, run, stored } = await startScriptedRun({ tools: [weather, boom] });
    conn.receive(
      frames.toolCall([
        { id: 'c1', name: 'get_weather', args: { city: 'Paris' } },
        { id: 'c2', name: 'boom', args: {} },
        { id: 'c3', name: 'missing', args: {} },
      ]),
    );
    const sent = await conn.waitForSent((item) => item.kind === 'toolResponse');
    expect(sent).toEqual({
      kind: 'toolResponse',
      functionResponses: [
        { id: 'c1', name: 'get_weather', response: { output: { city: 'Paris', temp: 21 } } },
        { id: 'c2', name: 'boom', response: { error: 'kaput' } },
        { id: 'c3', name: 'missing', response: { error: 'unknown tool "missing"' } },
      ],
    });
    expect(conn.sent.filter((item) => item.kind === 'toolResponse')).toHaveLength(1);
    await run.waitFor(isResponse);
    // The run goes on after a failing tool.
    conn.receive(frames.turnComplete());
    await run.waitFor((e) => e.turnComplete === true);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    const events = await stored();
    expect(events.map((e) => [e.author, kindOf(e), e.content?.role])).toEqual([
      ['helper', 'call', 'model'],
      ['helper', 'response', 'user'],
      ['helper', 'turnComplete', undefined],
    ]);
    expect(events[1]?.content?.parts?.map((p) => p.functionResponse?.id)).toEqual(['c1', 'c2', 'c3']);
    expect(events[1]?.actions.stateDelta).toEqual({ last_city: 'Paris' });
  });

  it('sends no response for cancelled calls, aborts them, and records that they were cancelled', async () => {
    const started = deferred<AbortSignal>();
    const slow = new FunctionTool({
      name: 'slow',
      description: 'slow',
      execute: (_args, context) => {
        started.resolve(context.signal);
        return new Promise(() => {});
      },
    });
    const { conn, queue, run, stored, storedKinds } = await startScriptedRun({ tools: [slow] });
    conn.receive(frames.toolCall([{ id: 'c1', name: 'slow', args: {} }]));
    const signal = await started.promise;
    conn.receive(frames.toolCallCancellation(['c1']), frames.turnComplete());
    await run.waitFor((e) => e.turnComplete === true);
    expect(signal.aborted).toBe(true);
    await run.waitFor((e) => kindOf(e) === 'response');
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(conn.sent.filter((item) => item.kind === 'toolResponse')).toEqual([]);
    expect(await storedKinds()).toEqual(['call', 'turnComplete', 'response']);
    expect((await stored())[2]?.content?.parts?.[0]?.functionResponse).toEqual({
      id: 'c1',
      name: 'slow',
      response: { error: 'cancelled: cancelled by the model' },
    });
  });

  it('answers a hanging tool with a timeout error instead of leaving the model in silence', async () => {
    const hang = new FunctionTool({
      name: 'hang',
      description: 'never returns',
      execute: () => new Promise(() => {}),
    });
    const { conn, queue, run } = await startScriptedRun({ tools: [hang], toolTimeoutMs: 100 });
    conn.receive(frames.toolCall([{ id: 'c1', name: 'hang', args: {} }]));
    const sent = await conn.waitForSent((item) => item.kind === 'toolResponse');
    expect(sent).toEqual({
      kind: 'toolResponse',
      functionResponses: [
        { id: 'c1', name: 'hang', response: { error: 'tool "hang" timed out after 100 ms' } },
      ],
    });
    queue.close();
    await run.done;
  });

  it('starts tools even while the caller is not reading events', async () => {
    const ran = deferred();
    const quick = new FunctionTool({ name: 'quick', description: 'q', execute: () => ran.resolve() });
    const model = new ScriptedLiveModel();
    const runner = new Runner({
      appName: 'app',
      agent: new LlmAgent({ name: 'helper', model, tools: [quick] }),
      sessionService: new InMemorySessionService(),
    });
    const queue = new LiveRequestQueue();
    const generator = runner.runLive({ userId: 'u', sessionId: 's', liveRequestQueue: queue });
    const first = generator.next(); // start the run, then stop reading
    const conn = await model.nextConnection();
    conn.receive(frames.turnComplete(), frames.toolCall([{ id: 'c1', name: 'quick', args: {} }]));
    await ran.promise;
    await conn.waitForSent((item) => item.kind === 'toolResponse');
    expect((await first).value?.turnComplete).toBe(true);
    await generator.return(undefined);
    expect(conn.isClosed).toBe(true);
  });

  it('waits for a running tool when the queue closes, answers it, then closes the connection', async () => {
    const release = deferred();
    const started = deferred();
    const lookup = new FunctionTool({
      name: 'lookup',
      description: 'l',
      execute: async () => {
        started.resolve();
        await release.promise;
        return 'found';
      },
    });
    const { conn, queue, run, storedKinds } = await startScriptedRun({ tools: [lookup] });
    conn.receive(frames.toolCall([{ id: 'c1', name: 'lookup', args: {} }]));
    await started.promise;
    queue.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(run.finished).toBe(false);
    expect(conn.isClosed).toBe(false);
    release.resolve();
    expect(await run.done).toEqual({ error: undefined });
    expect(conn.sent.at(-1)).toEqual({
      kind: 'toolResponse',
      functionResponses: [{ id: 'c1', name: 'lookup', response: { output: 'found' } }],
    });
    expect(conn.isClosed).toBe(true);
    expect(await storedKinds()).toEqual(['call', 'response']);
  });
});
