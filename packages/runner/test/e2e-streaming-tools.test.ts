import { clientFrameIs, pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionTool } from '../src/tools/function-tool.js';
import { kindOf } from './helpers/collect.js';
import { type LiveFixture, startLive, stopLive } from './helpers/live-fixture.js';
import { waitUntil } from './helpers/wait.js';

let fixture: LiveFixture | undefined;
afterEach(async () => {
  await stopLive(fixture);
  fixture = undefined;
});

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const responsesOf = (events: { content?: { parts?: Array<{ functionResponse?: unknown }> } }[]) =>
  events.flatMap((e) =>
    (e.content?.parts ?? []).flatMap((p) => (p.functionResponse ? [p.functionResponse] : [])),
  );

describe('non-blocking and streaming tools end to end through the real SDK', () => {
  it('a NON_BLOCKING tool is declared so, model audio flows while it runs, its answer carries the scheduling', async () => {
    const release = gate();
    let started = false;
    const lookup = new FunctionTool({
      name: 'slow_lookup',
      description: 'A slow lookup the model talks over',
      behavior: 'NON_BLOCKING',
      scheduling: 'INTERRUPT',
      execute: async () => {
        started = true;
        await release.opened;
        return { found: 3 };
      },
    });
    const quick = new FunctionTool({ name: 'quick', description: 'blocking', execute: () => 'now' });
    fixture = await startLive({ frames: 'binary', tools: [lookup, quick] });
    const { conn, run, queue } = fixture;
    expect(conn.functionDeclarations.map((d) => [d.name, d.behavior])).toEqual([
      ['slow_lookup', 'NON_BLOCKING'],
      ['quick', undefined],
    ]);
    conn.sendToolCall([
      { id: 'c1', name: 'slow_lookup', args: {} },
      { id: 'c2', name: 'quick', args: {} },
    ]);
    // The blocking call in the same message is answered at once, without waiting for the slow one.
    await conn.waitFor(clientFrameIs.toolResponseFor('c2'));
    await waitUntil(() => started, { what: 'the slow tool to start' });
    const pcm = pcm16Tone({ ms: 40, rate: 24_000 });
    for (let i = 0; i < 5; i++) conn.sendAudio(pcm);
    await run.waitForCount((e) => kindOf(e) === 'audio', 5, '5 audio events while the tool runs');
    expect(conn.toolResponses.map((r) => r.id)).toEqual(['c2']);
    release.open();
    await conn.waitFor(clientFrameIs.toolResponseFor('c1'));
    expect(conn.toolResponses.at(-1)).toMatchObject({
      id: 'c1',
      name: 'slow_lookup',
      response: { output: { found: 3 } },
      scheduling: 'INTERRUPT',
      willContinue: undefined,
    });
    expect(conn.toolResponses[0]).toMatchObject({ id: 'c2', scheduling: undefined });
    await run.waitForCount((e) => kindOf(e) === 'response', 2);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(conn.toolResponseErrors).toEqual([]);
    expect(conn.protocolErrors).toEqual([]);
    expect(await fixture.storedKinds()).toEqual(['call', 'response', 'response']);
  });

  it('a streaming tool: 3 willContinue responses then a final one, all yielded and persisted in order', async () => {
    const ticker = new FunctionTool({
      name: 'watch_price',
      description: 'Streams a price',
      execute: async function* (args: { symbol?: unknown }) {
        for (const price of [101, 102, 103]) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          yield { symbol: args.symbol, price };
        }
        return { closed: true };
      },
    });
    fixture = await startLive({ frames: 'text', tools: [ticker] });
    const { conn, run, queue } = fixture;
    expect(conn.functionDeclarations[0]?.behavior).toBe('NON_BLOCKING');
    conn.sendToolCall([{ id: 's1', name: 'watch_price', args: { symbol: 'ABC' } }]);
    await waitUntil(() => conn.toolResponses.length === 4, { what: '4 responses' });
    expect(conn.toolResponses.map((r) => [r.response, r.willContinue, r.scheduling])).toEqual([
      [{ output: { symbol: 'ABC', price: 101 } }, true, 'WHEN_IDLE'],
      [{ output: { symbol: 'ABC', price: 102 } }, true, 'WHEN_IDLE'],
      [{ output: { symbol: 'ABC', price: 103 } }, true, 'WHEN_IDLE'],
      [{ output: { closed: true } }, false, 'WHEN_IDLE'],
    ]);
    // One frame per response, in order.
    expect(new Set(conn.toolResponses.map((r) => r.frameIndex)).size).toBe(4);
    await run.waitForCount((e) => kindOf(e) === 'response', 4);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(conn.toolResponseErrors).toEqual([]);
    expect(conn.protocolErrors).toEqual([]);
    const yielded = responsesOf(run.events);
    expect(yielded).toEqual(
      conn.toolResponses.map(({ id, name, response, scheduling, willContinue }) => ({
        id,
        name,
        response,
        scheduling,
        willContinue,
      })),
    );
    const session = await fixture.sessionService.getSession({
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
    });
    expect(responsesOf(session?.events ?? [])).toEqual(yielded);
    expect(await fixture.storedKinds()).toEqual(['call', 'response', 'response', 'response', 'response']);
  });

  it('a toolCallCancellation mid-stream stops the iteration (its finally runs) and the run goes on', async () => {
    let finallyRan = false;
    let yieldedAfterCancel = 0;
    let cancelled = false;
    const feed = new FunctionTool({
      name: 'camera_feed',
      description: 'Streams frames until stopped',
      execute: async function* () {
        try {
          for (let i = 0; ; i++) {
            if (cancelled) yieldedAfterCancel += 1;
            yield { frame: i };
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        } finally {
          finallyRan = true;
        }
      },
    });
    fixture = await startLive({ frames: 'binary', tools: [feed] });
    const { conn, run, queue } = fixture;
    conn.sendToolCall([{ id: 'f1', name: 'camera_feed', args: {} }]);
    await waitUntil(() => conn.toolResponses.length >= 2, { what: '2 streamed responses' });
    cancelled = true;
    conn.sendToolCallCancellation(['f1']);
    await waitUntil(() => finallyRan, { what: "the generator's finally" });
    const sent = conn.toolResponses.length;
    expect(yieldedAfterCancel).toBeLessThanOrEqual(1);
    // The run goes on: the model keeps talking.
    conn.sendOutputTranscription('Stopped watching.', { finished: true });
    conn.sendTurnComplete();
    await run.waitFor((e) => e.turnComplete === true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(conn.toolResponses.length).toBe(sent);
    expect(conn.toolResponses.every((r) => r.willContinue === true)).toBe(true);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    const stored = responsesOf(
      (await fixture.sessionService.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' }))?.events ??
        [],
    ) as Array<{ response?: Record<string, unknown> }>;
    // Every value the model got, then the cancelled answer (never sent): no call without an answer.
    expect(stored).toHaveLength(sent + 1);
    expect(stored.at(-1)?.response).toEqual({ error: 'cancelled: cancelled by the model' });
    expect(conn.toolResponseErrors).toEqual([]);
    expect(conn.protocolErrors).toEqual([]);
  });

  it('closing the queue stops a stream that would never end; the run ends and records it', async () => {
    let finallyRan = false;
    const forever = new FunctionTool({
      name: 'forever',
      description: 'never ends',
      execute: async function* () {
        try {
          for (;;) {
            yield 'tick';
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        } finally {
          finallyRan = true;
        }
      },
    });
    fixture = await startLive({ frames: 'binary', tools: [forever] });
    const { conn, run, queue } = fixture;
    conn.sendToolCall([{ id: 'x', name: 'forever', args: {} }]);
    await waitUntil(() => conn.toolResponses.length >= 1, { what: 'a streamed response' });
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(finallyRan).toBe(true);
    const kinds = await fixture.storedKinds();
    expect(kinds[0]).toBe('call');
    const stored = responsesOf(
      (await fixture.sessionService.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' }))?.events ??
        [],
    ) as Array<{ response?: Record<string, unknown> }>;
    expect(stored.at(-1)?.response).toEqual({ error: 'cancelled: the live run ended' });
  });

  it('a stream that stops yielding times out per value, with a final willContinue: false error', async () => {
    const stalls = new FunctionTool({
      name: 'stalls',
      description: 'yields once then hangs',
      timeoutMs: 150,
      execute: async function* () {
        yield 1;
        await new Promise(() => {});
      },
    });
    fixture = await startLive({ frames: 'binary', tools: [stalls] });
    const { conn, queue, run } = fixture;
    conn.sendToolCall([{ id: 't', name: 'stalls', args: {} }]);
    await waitUntil(() => conn.toolResponses.length === 2, { what: 'the value and the timeout' });
    expect(conn.toolResponses.map((r) => [r.response, r.willContinue])).toEqual([
      [{ output: 1 }, true],
      [{ error: 'tool "stalls" timed out after 150 ms' }, false],
    ]);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
  });

  it('rejects scheduling on a blocking tool and a bad behavior', () => {
    expect(
      () => new FunctionTool({ name: 'a', description: '', scheduling: 'SILENT', execute: () => 1 }),
    ).toThrow(/scheduling needs behavior NON_BLOCKING/);
    expect(
      () =>
        new FunctionTool({ name: 'a', description: '', behavior: 'LATER' as 'BLOCKING', execute: () => 1 }),
    ).toThrow(/behavior must be/);
    expect(
      () =>
        new FunctionTool({
          name: 'a',
          description: '',
          behavior: 'NON_BLOCKING',
          scheduling: 'SOON' as 'SILENT',
          execute: () => 1,
        }),
    ).toThrow(/scheduling must be/);
  });
});

describe('streaming tools in Vertex AI mode', () => {
  it('the SDK sends live tool responses untransformed, so willContinue and scheduling reach the wire', async () => {
    const { FakeLiveServer } = await import('@earshot/testing');
    const { InMemorySessionService } = await import('@earshot/core');
    const { GeminiLiveModel } = await import('../src/connection/gemini-live-model.js');
    const { LlmAgent } = await import('../src/agents/llm-agent.js');
    const { Runner } = await import('../src/runner.js');
    const { LiveRequestQueue } = await import('../src/input/live-request-queue.js');
    const { collect } = await import('./helpers/collect.js');
    const server = await FakeLiveServer.start({ frames: 'binary' });
    try {
      const model = new GeminiLiveModel({
        model: 'gemini-live-test',
        vertexai: true,
        apiKey: 'vertex-key',
        httpOptions: { baseUrl: server.baseUrl },
      });
      const tool = new FunctionTool({
        name: 'ticks',
        description: '',
        execute: async function* () {
          yield 1;
        },
      });
      const runner = new Runner({
        appName: 'app',
        agent: new LlmAgent({ name: 'helper', model, tools: [tool] }),
        sessionService: new InMemorySessionService(),
      });
      const queue = new LiveRequestQueue();
      const run = collect(runner.runLive({ userId: 'u', sessionId: 's', liveRequestQueue: queue }));
      const conn = await server.nextConnection();
      expect(conn.functionDeclarations[0]?.behavior).toBe('NON_BLOCKING');
      conn.sendToolCall([{ id: 'v', name: 'ticks', args: {} }]);
      await waitUntil(() => conn.toolResponses.length === 2, { what: '2 responses' });
      expect(conn.toolResponses.map((r) => [r.willContinue, r.scheduling])).toEqual([
        [true, 'WHEN_IDLE'],
        [false, 'WHEN_IDLE'],
      ]);
      queue.close();
      expect(await run.done).toEqual({ error: undefined });
    } finally {
      await server.close();
    }
  });
});
