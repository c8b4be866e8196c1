import type { Event } from '@earshot/core';
import { clientFrameIs, pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { PLUGIN_ERROR } from '../src/plugins/plugin-host.js';
import type { RunnerPlugin } from '../src/plugins/runner-plugin.js';
import { FunctionTool } from '../src/tools/function-tool.js';
import { kindOf } from './helpers/collect.js';
import { type LiveFixture, startLive, stopLive } from './helpers/live-fixture.js';
import { waitUntil } from './helpers/wait.js';

let fixture: LiveFixture | undefined;
afterEach(async () => {
  await stopLive(fixture);
  fixture = undefined;
});

const storedEvents = async (f: LiveFixture) =>
  (await f.sessionService.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' }))?.events ?? [];
const responseOf = (event: Event | undefined) => event?.content?.parts?.[0]?.functionResponse?.response;

describe('tool callbacks (ADK meaning) end to end through the real SDK', () => {
  it('a beforeToolCallback that blocks answers the model with its result; the tool never runs', async () => {
    let ran = false;
    const transfer = new FunctionTool({
      name: 'transfer_money',
      description: 'moves money',
      execute: () => {
        ran = true;
        return 'sent';
      },
    });
    const seen: unknown[] = [];
    fixture = await startLive({
      frames: 'binary',
      tools: [transfer],
      agent: {
        beforeToolCallback: ({ tool, args, toolContext }) => {
          seen.push([tool.name, args, toolContext.functionCallId]);
          if ((args.amount as number) > 100) return { error: 'not allowed: amount over the limit' };
          return undefined;
        },
      },
    });
    const { conn, run, queue } = fixture;
    conn.sendToolCall([{ id: 'big', name: 'transfer_money', args: { amount: 5000 } }]);
    const frame = await conn.waitFor(clientFrameIs.toolResponse);
    expect(frame.toolResponse?.functionResponses).toEqual([
      { id: 'big', name: 'transfer_money', response: { error: 'not allowed: amount over the limit' } },
    ]);
    expect(ran).toBe(false);
    expect(seen).toEqual([['transfer_money', { amount: 5000 }, 'big']]);
    // Under the limit the callback returns nothing and the tool runs.
    conn.sendToolCall([{ id: 'small', name: 'transfer_money', args: { amount: 5 } }]);
    await conn.waitFor(clientFrameIs.toolResponseFor('small'));
    expect(ran).toBe(true);
    await run.waitForCount((e) => kindOf(e) === 'response', 2);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    const stored = await storedEvents(fixture);
    expect(responseOf(stored[1])).toEqual({ error: 'not allowed: amount over the limit' });
    expect(responseOf(stored[3])).toEqual({ output: 'sent' });
  });

  it('an afterToolCallback that redacts changes what is sent and what is stored (streamed values too)', async () => {
    const lookup = new FunctionTool({
      name: 'card_lookup',
      description: 'returns a card',
      execute: () => ({ holder: 'Ada', card: '4111 1111 1111 1111' }),
    });
    const cards = new FunctionTool({
      name: 'card_stream',
      description: 'streams cards',
      execute: async function* () {
        yield { card: '5500 0000 0000 0004' };
        return { card: '3400 0000 0000 009' };
      },
    });
    const redact = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value).replace(/\d[\d ]{10,}\d/g, '[redacted]'));
    fixture = await startLive({
      frames: 'text',
      tools: [lookup, cards],
      agent: { afterToolCallback: ({ response }) => redact(response) as Record<string, unknown> },
    });
    const { conn, run, queue } = fixture;
    conn.sendToolCall([{ id: 'l', name: 'card_lookup', args: {} }]);
    conn.sendToolCall([{ id: 's', name: 'card_stream', args: {} }]);
    await waitUntil(() => conn.toolResponses.length === 3, { what: '3 responses' });
    const byId = (id: string) => conn.toolResponses.filter((r) => r.id === id).map((r) => r.response);
    expect(byId('l')).toEqual([{ output: { holder: 'Ada', card: '[redacted]' } }]);
    expect(byId('s')).toEqual([{ output: { card: '[redacted]' } }, { output: { card: '[redacted]' } }]);
    await run.waitForCount((e) => kindOf(e) === 'response', 3);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    const stored = JSON.stringify(await storedEvents(fixture));
    expect(stored).not.toMatch(/4111|5500|3400/);
    expect(JSON.stringify(run.events)).not.toMatch(/4111|5500|3400/);
  });

  it('plugins run before the agent callbacks, and the first response wins (ADK order)', async () => {
    const order: string[] = [];
    const tool = new FunctionTool({ name: 't', description: '', execute: () => 'tool' });
    const plugin: RunnerPlugin = {
      name: 'audit',
      beforeToolCall: () => {
        order.push('plugin before');
      },
      afterToolCall: ({ response }) => {
        order.push('plugin after');
        return { ...response, audited: true };
      },
    };
    fixture = await startLive({
      frames: 'binary',
      tools: [tool],
      runner: { plugins: [plugin] },
      agent: {
        beforeToolCallback: [
          () => void order.push('agent before 1'),
          () => void order.push('agent before 2'),
        ],
        afterToolCallback: () => {
          order.push('agent after');
          return { replaced: true };
        },
      },
    });
    const { conn, queue, run } = fixture;
    conn.sendToolCall([{ id: 'a', name: 't', args: {} }]);
    const frame = await conn.waitFor(clientFrameIs.toolResponse);
    expect(frame.toolResponse?.functionResponses?.[0]?.response).toEqual({ output: 'tool', audited: true });
    expect(order).toEqual(['plugin before', 'agent before 1', 'agent before 2', 'plugin after']);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
  });
});

describe('runner plugins', () => {
  it('a plugin sees every event of a run in order, between onRunStart/onConnection and onRunEnd', async () => {
    const log: string[] = [];
    const events: Event[] = [];
    const plugin: RunnerPlugin = {
      name: 'recorder',
      onRunStart: (run) => void log.push(`start ${run.sessionId}`),
      onConnection: (c) => void log.push(`connection ${c.connectionId} ${c.reason} ${c.model}`),
      onEvent: async (event) => {
        // Asynchronous and slowish: still in order.
        await new Promise((resolve) => setTimeout(resolve, 1));
        events.push(event as Event);
        log.push('event');
      },
      onRunEnd: (run) => void log.push(`end ${String(run.error)}`),
    };
    const tool = new FunctionTool({ name: 'echo', description: '', execute: (args) => args });
    fixture = await startLive({ frames: 'binary', tools: [tool], runner: { plugins: [plugin] } });
    const { conn, run, queue } = fixture;
    conn.sendAudio(pcm16Tone({ ms: 40, rate: 24_000 }));
    conn.sendOutputTranscription('Hel');
    conn.sendOutputTranscription('lo', { finished: true });
    conn.sendToolCall([{ id: 'e', name: 'echo', args: { x: 1 } }]);
    await conn.waitFor(clientFrameIs.toolResponse);
    conn.sendTurnComplete();
    await run.waitFor((e) => e.turnComplete === true);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(events).toEqual(run.events);
    expect(events.map(kindOf)).toContain('response');
    expect(log[0]).toBe('start s1');
    expect(log[1]).toBe('connection 1 start gemini-live-test');
    expect(log.at(-1)).toBe('end undefined');
    expect(log.filter((l) => l === 'event')).toHaveLength(run.events.length);
  });

  it('a slow plugin never delays model audio; the end of the run waits for it only up to pluginEndTimeoutMs', async () => {
    const slow: RunnerPlugin = {
      name: 'slow',
      onEvent: () => new Promise((resolve) => setTimeout(resolve, 2_000)),
    };
    fixture = await startLive({
      frames: 'binary',
      runner: { plugins: [slow], pluginEndTimeoutMs: 300 },
    });
    const { conn, run, queue } = fixture;
    const pcm = pcm16Tone({ ms: 40, rate: 24_000 });
    const started = performance.now();
    for (let i = 0; i < 50; i++) conn.sendAudio(pcm);
    await run.waitForCount((e) => kindOf(e) === 'audio', 50, '50 audio events');
    // 50 notifications of a 2 s hook would take 100 s if they were on the audio path.
    expect(performance.now() - started).toBeLessThan(1_500);
    const closing = performance.now();
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(performance.now() - closing).toBeLessThan(1_500);
    const late = run.events.filter((e) => e.errorCode === PLUGIN_ERROR);
    expect(late).toHaveLength(1);
    expect(late[0]?.errorMessage).toMatch(/plugin slow did not finish its hooks within 300 ms/);
  });

  it('a throwing plugin is reported as a typed error event and the run goes on, neither hung nor crashed', async () => {
    let ran = false;
    const tool = new FunctionTool({
      name: 'guarded',
      description: '',
      execute: () => {
        ran = true;
        return 'ran';
      },
    });
    const broken: RunnerPlugin = {
      name: 'broken',
      onEvent: () => {
        throw new Error('observer bug');
      },
      beforeToolCall: () => {
        throw new Error('guard bug');
      },
      onRunEnd: () => {
        throw new Error('end bug');
      },
    };
    fixture = await startLive({ frames: 'binary', tools: [tool], runner: { plugins: [broken] } });
    const { conn, run, queue } = fixture;
    conn.sendOutputTranscription('one', { finished: true });
    conn.sendToolCall([{ id: 'g', name: 'guarded', args: {} }]);
    const frame = await conn.waitFor(clientFrameIs.toolResponse);
    // A broken guardrail fails closed: the tool does not run.
    expect(frame.toolResponse?.functionResponses?.[0]?.response).toEqual({
      error: 'blocked: plugin broken beforeToolCall threw: guard bug',
    });
    expect(ran).toBe(false);
    conn.sendOutputTranscription('two', { finished: true });
    conn.sendTurnComplete();
    await run.waitFor((e) => e.turnComplete === true);
    await run.waitForCount((e) => e.errorCode === PLUGIN_ERROR, 2, 'two plugin errors');
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    const errors = run.events.filter((e) => e.errorCode === PLUGIN_ERROR);
    expect(errors.map((e) => e.customMetadata?.['earshot:hook']).sort()).toEqual([
      'beforeToolCall',
      'onEvent',
      'onRunEnd',
    ]);
    expect(errors.every((e) => e.customMetadata?.['earshot:plugin'] === 'broken')).toBe(true);
    // onEvent failed once and was cut off for the run: one report, not one per event.
    expect(errors.filter((e) => e.customMetadata?.['earshot:hook'] === 'onEvent')).toHaveLength(1);
    // The run went on after the failures: both transcriptions and the turn were stored.
    const stored = (await storedEvents(fixture)).map(kindOf);
    expect(stored).toEqual(expect.arrayContaining(['out:one', 'out:two', 'turnComplete']));
    expect(stored.filter((k) => k === `error:${PLUGIN_ERROR}`).length).toBeGreaterThanOrEqual(2);
  });

  it('rejects a plugin without a name and a bad callback', async () => {
    const { Runner } = await import('../src/runner.js');
    const { LlmAgent } = await import('../src/agents/llm-agent.js');
    const { InMemorySessionService } = await import('@earshot/core');
    const { GeminiLiveModel } = await import('../src/connection/gemini-live-model.js');
    const model = new GeminiLiveModel({ model: 'm', apiKey: 'k' });
    const agent = new LlmAgent({ name: 'a', model });
    expect(
      () =>
        new Runner({
          appName: 'app',
          agent,
          sessionService: new InMemorySessionService(),
          plugins: [{} as RunnerPlugin],
        }),
    ).toThrow(/every plugin needs a name/);
    expect(() => new LlmAgent({ name: 'b', model, beforeToolCallback: 'x' as never })).toThrow(
      /beforeToolCallback must be a function/,
    );
  });
});
