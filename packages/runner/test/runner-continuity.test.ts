import { InMemorySessionService, InvalidArgumentError, LIVE_RESUMPTION_HANDLE_KEY } from '@earshot/core';
import { liveServerFrames as frames, pcm16Tone } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';
import { Runner } from '../src/runner.js';
import { FunctionTool } from '../src/tools/function-tool.js';
import { collect, kindOf } from './helpers/collect.js';
import { APP, SESSION, startScriptedRun, USER } from './helpers/fixture.js';
import { ScriptedLiveModel } from './helpers/scripted-live-model.js';
import { TestRecorder } from './helpers/test-recorder.js';

const KEY = { appName: APP, userId: USER, sessionId: SESSION };

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the latest resumption handle reaches session state within resumptionSaveDelayMs', () => {
  it('with no persisted event after it, a state-only event saves it', async () => {
    const { conn, queue, run, sessionService, stored } = await startScriptedRun({
      runConfig: { sessionResumption: {} },
      resumptionSaveDelayMs: 150,
    });
    const state = async () => (await sessionService.getSession(KEY))?.state ?? {};
    const noted = Date.now();
    conn.receive(frames.resumptionUpdate('h1'));
    await eventually(async () => (await state())[LIVE_RESUMPTION_HANDLE_KEY] === 'h1', 'the handle in state');
    expect(Date.now() - noted).toBeGreaterThanOrEqual(100);
    // The run is still going: it did not wait for its end to save the handle.
    expect(run.finished).toBe(false);
    queue.close();
    await run.done;
    const events = await stored();
    expect(events.map(kindOf)).toEqual(['other']);
    expect(events[0]?.actions.stateDelta).toEqual({ [LIVE_RESUMPTION_HANDLE_KEY]: 'h1' });
  });

  it('a turn boundary within the delay carries it: no extra event', async () => {
    const { conn, queue, run, stored } = await startScriptedRun({
      runConfig: { sessionResumption: {} },
      resumptionSaveDelayMs: 200,
    });
    conn.receive(frames.resumptionUpdate('h1'), frames.turnComplete());
    await run.waitFor((e) => e.turnComplete === true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    queue.close();
    await run.done;
    const events = await stored();
    expect(events.map(kindOf)).toEqual(['turnComplete']);
    expect(events[0]?.actions.stateDelta).toEqual({ [LIVE_RESUMPTION_HANDLE_KEY]: 'h1' });
  });

  it('rejects a delay that is not a positive number', () => {
    const agent = new LlmAgent({ name: 'a', model: new ScriptedLiveModel() });
    const sessionService = new InMemorySessionService();
    expect(() => new Runner({ appName: APP, agent, sessionService, resumptionSaveDelayMs: 0 })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('runLive({abortSignal})', () => {
  it('aborting ends the run like break: the generator returns, tools are answered, recordings flushed', async () => {
    const model = new ScriptedLiveModel();
    const slow = new FunctionTool({
      name: 'slow',
      description: 'slow',
      execute: () => new Promise(() => {}),
    });
    const audioRecorder = new TestRecorder();
    const sessionService = new InMemorySessionService();
    const runner = new Runner({
      appName: APP,
      agent: new LlmAgent({ name: 'helper', model, tools: [slow] }),
      sessionService,
      audioRecorder,
    });
    const controller = new AbortController();
    const queue = new LiveRequestQueue();
    const run = collect(
      runner.runLive({
        ...KEY,
        liveRequestQueue: queue,
        runConfig: { saveLiveAudio: true },
        abortSignal: controller.signal,
      }),
    );
    const conn = await model.nextConnection();
    queue.sendRealtime({
      data: pcm16Tone({ ms: 20, rate: 16_000 }).toString('base64'),
      mimeType: 'audio/pcm',
    });
    conn.receive(frames.toolCall([{ id: 'c1', name: 'slow', args: {} }]));
    await run.waitFor((e) => kindOf(e) === 'call');
    await conn.waitForSent((item) => item.kind === 'realtime');
    controller.abort();
    expect(await run.done).toEqual({ error: undefined });
    expect(conn.isClosed).toBe(true);
    expect(audioRecorder.calls.at(-1)).toEqual({ op: 'flush', reason: 'end' });
    const stored = (await sessionService.getSession(KEY))?.events ?? [];
    // The call the abort cut short has its answer in the session; the recording is referenced.
    expect(stored.map(kindOf)).toEqual(['call', 'response', 'audio-file']);
    expect(stored[1]?.content?.parts?.[0]?.functionResponse?.response).toEqual({
      error: 'cancelled: the live run stopped',
    });
    expect(run.events.map(kindOf)).toContain('audio-file');
  });

  it('an already aborted signal ends the run before it connects; a bad one is refused', async () => {
    const model = new ScriptedLiveModel();
    const runner = new Runner({
      appName: APP,
      agent: new LlmAgent({ name: 'helper', model }),
      sessionService: new InMemorySessionService(),
    });
    const run = collect(
      runner.runLive({ ...KEY, liveRequestQueue: new LiveRequestQueue(), abortSignal: AbortSignal.abort() }),
    );
    expect(await run.done).toEqual({ error: undefined });
    expect(model.requests).toEqual([]);
    const bad = runner.runLive({
      ...KEY,
      liveRequestQueue: new LiveRequestQueue(),
      abortSignal: {} as never,
    });
    await expect(bad.next()).rejects.toThrow(InvalidArgumentError);
  });
});

describe('transparent resume (scripted model)', () => {
  const update = (newHandle: string, index: string) => ({
    sessionResumptionUpdate: { newHandle, resumable: true, lastConsumedClientMessageIndex: index },
  });
  const audio = (seed: number) => ({
    data: pcm16Tone({ ms: 20, rate: 16_000, seed }).toString('base64'),
    mimeType: 'audio/pcm;rate=16000',
  });

  it('resends unconsumed input and the answer to a call the resumed session made, not to a newer call', async () => {
    const lookup = new FunctionTool({ name: 'lookup', description: 'x', execute: () => 'ok' });
    const { model, conn, queue, run } = await startScriptedRun({
      tools: [lookup],
      runConfig: { sessionResumption: { transparent: true } },
      reconnect: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
    });
    queue.sendRealtime(audio(1)); // index 1
    await conn.waitForSent((item) => item.kind === 'realtime');
    conn.receive(frames.toolCall([{ id: 'c1', name: 'lookup', args: {} }]), update('h1', '1'));
    await conn.waitForSent((item) => item.kind === 'toolResponse'); // index 2, after h1
    queue.sendRealtime(audio(2)); // index 3
    await conn.waitForSent(() => conn.sent.filter((item) => item.kind === 'realtime').length === 2);
    conn.receive(frames.toolCall([{ id: 'c2', name: 'lookup', args: {} }])); // newer than h1
    await conn.waitForSent((item) => item.kind === 'toolResponse' && item.functionResponses[0]?.id === 'c2');
    conn.drop({ code: 1006 });
    const next = await model.nextConnection(1);
    expect(next.config.sessionResumption).toEqual({ transparent: true, handle: 'h1' });
    await next.waitForSent((item) => item.kind === 'realtime');
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(
      next.sent.map((item) => (item.kind === 'toolResponse' ? item.functionResponses[0]?.id : item.kind)),
    ).toEqual(['c1', 'realtime']);
    expect(next.sent[1]).toEqual({ kind: 'realtime', input: { audio: audio(2) } });
    expect(run.events.some((e) => e.errorCode)).toBe(false);
  });

  it('an update whose index is not a decimal string counts as confirming everything sent', async () => {
    const { model, conn, queue, run } = await startScriptedRun({
      runConfig: { sessionResumption: { transparent: true } },
      reconnect: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
    });
    queue.sendRealtime(audio(1));
    await conn.waitForSent((item) => item.kind === 'realtime');
    conn.receive(update('h1', 'not-a-number'));
    await run.waitFor((e) => e.liveSessionResumptionUpdate?.newHandle === 'h1');
    conn.drop({ code: 1011 });
    const next = await model.nextConnection(1);
    queue.sendRealtime(audio(2));
    await next.waitForSent((item) => item.kind === 'realtime');
    queue.close();
    await run.done;
    expect(next.sent).toEqual([{ kind: 'realtime', input: { audio: audio(2) } }]);
  });
});
