import {
  type Event,
  InMemorySessionService,
  InvalidArgumentError,
  LIVE_RESUMPTION_HANDLE_KEY,
  LiveConnectionError,
} from '@earshot/core';
import { liveServerFrames as frames, pcm16Tone } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { DEFAULT_RECONNECT } from '../src/connection/reconnect-policy.js';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';
import { Runner } from '../src/runner.js';
import { FunctionTool } from '../src/tools/function-tool.js';
import { kindOf } from './helpers/collect.js';
import { APP, SESSION, startScriptedRun, USER } from './helpers/fixture.js';
import { ScriptedLiveModel } from './helpers/scripted-live-model.js';
import { TestRecorder } from './helpers/test-recorder.js';
import { waitUntil } from './helpers/wait.js';

const isKind = (kind: string) => (event: Event) => kindOf(event) === kind;
const fast = { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 };
const audio = (seed: number) => ({
  data: pcm16Tone({ ms: 20, rate: 16_000, seed }).toString('base64'),
  mimeType: 'audio/pcm;rate=16000',
});

describe('reconnecting with the resumption handle (scripted model)', () => {
  it('a drop with a handle opens a new connection with that handle and continues the same run', async () => {
    const { model, conn, queue, run, stored } = await startScriptedRun({
      reconnect: fast,
      runConfig: { sessionResumption: { transparent: false } },
    });
    conn.receive(frames.outputTranscription('Hel'), frames.resumptionUpdate('h1'));
    await run.waitFor(isKind('resumption'));
    conn.drop({ code: 1011, reason: 'internal' });
    const second = await model.nextConnection(1);
    expect(second.config.sessionResumption).toEqual({ transparent: false, handle: 'h1' });
    expect(second.config).not.toBe(conn.config);
    expect(second.config.systemInstruction).toBe('Be brief.');
    second.receive(frames.outputTranscription('lo', true), frames.turnComplete());
    await run.waitFor(isKind('turnComplete'));
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    // The turn in progress continues across the switch: one final with the whole text.
    expect(run.events.map(kindOf)).toEqual([
      'partial-out:Hel',
      'resumption',
      'partial-out:lo',
      'out:Hello',
      'turnComplete',
    ]);
    expect(new Set(run.events.map((e) => e.invocationId)).size).toBe(1);
    const events = await stored();
    expect(events.map(kindOf)).toEqual(['out:Hello', 'turnComplete']);
    expect(events[1]?.actions.stateDelta).toEqual({ [LIVE_RESUMPTION_HANDLE_KEY]: 'h1' });
  });

  it('goAway switches at once, without waiting for another server message', async () => {
    const { model, conn, queue, run } = await startScriptedRun({ reconnect: fast });
    conn.receive(frames.resumptionUpdate('h1'), frames.goAway('30s'));
    const second = await model.nextConnection(1);
    expect(conn.isClosed).toBe(true);
    expect(conn.closeCalls).toBe(1);
    expect(second.config.sessionResumption).toEqual({ handle: 'h1' });
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(model.connections).toHaveLength(2);
  });

  it('goAway before any handle: keeps the connection until a handle arrives, then switches', async () => {
    const { model, conn, queue, run } = await startScriptedRun({ reconnect: fast });
    conn.receive(frames.goAway('30s'), frames.outputTranscription('still here', true));
    await run.waitFor(isKind('out:still here'));
    expect(model.connections).toHaveLength(1);
    conn.receive(frames.resumptionUpdate('h9'));
    const second = await model.nextConnection(1);
    expect(second.config.sessionResumption).toEqual({ handle: 'h9' });
    queue.close();
    await run.done;
  });

  it('gives up after maxAttempts failed connects with LiveConnectionError, the error event saving the handle', async () => {
    const { model, conn, run, stored } = await startScriptedRun({ reconnect: fast });
    conn.receive(frames.resumptionUpdate('h1'));
    await run.waitFor(isKind('resumption'));
    for (let i = 0; i < 3; i++) model.failConnects.push(new LiveConnectionError(`refused ${i}`));
    conn.drop({ code: 1006 });
    const { error } = await run.done;
    expect(error).toBeInstanceOf(LiveConnectionError);
    expect((error as Error).message).toBe('could not reconnect after 3 attempts: refused 2');
    expect(model.requests).toHaveLength(4);
    expect(run.events.map(kindOf)).toEqual(['resumption', 'error:LIVE_CONNECTION']);
    const events = await stored();
    expect(events.map(kindOf)).toEqual(['error:LIVE_CONNECTION']);
    expect(events[0]?.actions.stateDelta).toEqual({ [LIVE_RESUMPTION_HANDLE_KEY]: 'h1' });
  });

  it('a failed attempt is retried after a backoff; a client-fault close code is not retried', async () => {
    const first = await startScriptedRun({ reconnect: fast });
    first.conn.receive(frames.resumptionUpdate('h1'));
    await first.run.waitFor(isKind('resumption'));
    first.model.failConnects.push(new LiveConnectionError('flaky'));
    first.conn.drop({ code: 1012 });
    await first.model.nextConnection(1);
    first.queue.close();
    expect(await first.run.done).toEqual({ error: undefined });
    expect(first.model.requests).toHaveLength(3);

    const second = await startScriptedRun({ reconnect: fast });
    second.conn.receive(frames.resumptionUpdate('h1'));
    await second.run.waitFor(isKind('resumption'));
    second.conn.drop({ code: 1008, reason: 'policy' });
    const { error } = await second.run.done;
    expect((error as LiveConnectionError).closeCode).toBe(1008);
    expect(second.model.requests).toHaveLength(1);
  });

  it('rejects bad reconnect options', () => {
    const agent = new LlmAgent({ name: 'helper', model: new ScriptedLiveModel() });
    const sessionService = new InMemorySessionService();
    for (const reconnect of [
      { maxAttempts: -1 },
      { maxAttempts: 1.5 },
      { initialDelayMs: -5 },
      { maxDelayMs: Number.NaN },
    ]) {
      expect(() => new Runner({ appName: APP, agent, sessionService, reconnect })).toThrow(
        InvalidArgumentError,
      );
    }
    expect(new Runner({ appName: APP, agent, sessionService }).reconnect).toEqual(DEFAULT_RECONNECT);
    expect(new Runner({ appName: APP, agent, sessionService, reconnect: false }).reconnect.maxAttempts).toBe(
      0,
    );
  });

  it('reconnect: false never reconnects', async () => {
    const { model, conn, run } = await startScriptedRun({ reconnect: false });
    conn.receive(frames.resumptionUpdate('h1'));
    await run.waitFor(isKind('resumption'));
    conn.drop({ code: 1011 });
    expect((await run.done).error).toBeInstanceOf(LiveConnectionError);
    expect(model.requests).toHaveLength(1);
  });

  it('input sent while reconnecting waits and reaches the new connection once, in order', async () => {
    const { model, conn, queue, run } = await startScriptedRun({ reconnect: fast });
    queue.sendRealtime(audio(1));
    await conn.waitForSent((item) => item.kind === 'realtime');
    conn.receive(frames.resumptionUpdate('h1'));
    await run.waitFor(isKind('resumption'));
    let open = () => {};
    model.gate = new Promise((resolve) => {
      open = resolve;
    });
    conn.drop({ code: 1006 });
    await waitUntil(() => model.requests.length === 2, { what: 'the reconnect attempt' });
    queue.sendRealtime(audio(2));
    queue.sendActivityStart();
    queue.sendRealtime(audio(3));
    open();
    model.gate = undefined;
    const second = await model.nextConnection(1);
    await second.waitForSent(
      (item) => item.kind === 'realtime' && 'audio' in item.input && item.input.audio.data === audio(3).data,
    );
    queue.close();
    await run.done;
    expect(conn.sent).toEqual([{ kind: 'realtime', input: { audio: audio(1) } }]);
    expect(second.sent).toEqual([
      { kind: 'realtime', input: { audio: audio(2) } },
      { kind: 'realtime', input: { activityStart: {} } },
      { kind: 'realtime', input: { audio: audio(3) } },
    ]);
  });

  it('a close after the caller closed the queue is not reconnected, even with a handle', async () => {
    const { model, conn, queue, run } = await startScriptedRun({ reconnect: fast });
    conn.receive(frames.resumptionUpdate('h1'));
    await run.waitFor(isKind('resumption'));
    queue.close();
    conn.drop({ code: 1011 });
    expect(await run.done).toEqual({ error: undefined });
    expect(model.requests).toHaveLength(1);
  });

  it('breaking out during a reconnect leaves no connection open (the late one is closed at once)', async () => {
    const model = new ScriptedLiveModel();
    const runner = new Runner({
      appName: APP,
      agent: new LlmAgent({ name: 'helper', model }),
      sessionService: new InMemorySessionService(),
      reconnect: fast,
    });
    let open = () => {};
    const consuming = (async () => {
      const queue = new LiveRequestQueue();
      for await (const event of runner.runLive({
        userId: USER,
        sessionId: SESSION,
        liveRequestQueue: queue,
      })) {
        if (!event.liveSessionResumptionUpdate) continue;
        model.gate = new Promise((resolve) => {
          open = resolve;
        });
        model.connections[0]?.drop({ code: 1006 });
        await waitUntil(() => model.requests.length === 2, { what: 'the reconnect attempt' });
        break;
      }
    })();
    const conn = await model.nextConnection();
    conn.receive(frames.resumptionUpdate('h1'));
    await consuming;
    // The connect the run gave up on lands only now: it is closed at once.
    open();
    await model.nextConnection(1);
    await waitUntil(() => model.connections.every((c) => c.isClosed), { what: 'every connection closed' });
    expect(model.connections[1]?.closeCalls).toBe(1);
    expect(model.requests).toHaveLength(2);
  });

  it('saves a handle that no turn boundary followed in a final event when the run ends', async () => {
    const { conn, queue, run, stored } = await startScriptedRun();
    conn.receive(frames.turnComplete(), frames.resumptionUpdate('late'));
    await run.waitFor(isKind('resumption'));
    queue.close();
    await run.done;
    const events = await stored();
    expect(events.map(kindOf)).toEqual(['turnComplete', 'other']);
    expect(events[1]?.actions.stateDelta).toEqual({ [LIVE_RESUMPTION_HANDLE_KEY]: 'late' });
    expect(run.events.at(-1)?.id).toBe(events[1]?.id);
  });

  it('a later run resumes from the saved handle when sessionResumption is set; an explicit handle wins', async () => {
    const sessionService = new InMemorySessionService();
    const first = await startScriptedRun({ sessionService });
    first.conn.receive(frames.resumptionUpdate('saved'), frames.turnComplete());
    await first.run.waitFor(isKind('turnComplete'));
    first.queue.close();
    await first.run.done;
    const plain = await startScriptedRun({ sessionService });
    expect(plain.conn.config.sessionResumption).toBeUndefined();
    plain.queue.close();
    await plain.run.done;
    const resumed = await startScriptedRun({ sessionService, runConfig: { sessionResumption: {} } });
    expect(resumed.conn.config.sessionResumption).toEqual({ handle: 'saved' });
    resumed.queue.close();
    await resumed.run.done;
    const explicit = await startScriptedRun({
      sessionService,
      runConfig: { sessionResumption: { handle: 'mine' } },
    });
    expect(explicit.conn.config.sessionResumption).toEqual({ handle: 'mine' });
    explicit.queue.close();
    await explicit.run.done;
    // Nothing of the history is replayed to a resumed session.
    expect(resumed.conn.sent).toEqual([]);
    const session = await sessionService.getSession({ appName: APP, userId: USER, sessionId: SESSION });
    expect(session?.state[LIVE_RESUMPTION_HANDLE_KEY]).toBe('mine');
  });

  it('flushes the recording with reason "reconnect" so no recording spans two connections', async () => {
    const recorder = new TestRecorder();
    const { model, conn, queue, run } = await startScriptedRun({
      reconnect: fast,
      audioRecorder: recorder,
      runConfig: { saveLiveAudio: true },
    });
    queue.sendRealtime(audio(1));
    await conn.waitForSent((item) => item.kind === 'realtime');
    conn.receive(frames.resumptionUpdate('h1'));
    await run.waitFor(isKind('resumption'));
    conn.drop({ code: 1006 });
    const second = await model.nextConnection(1);
    queue.sendRealtime(audio(2));
    await second.waitForSent((item) => item.kind === 'realtime');
    queue.close();
    await run.done;
    expect(recorder.calls.filter((c) => c.op === 'flush').map((c) => c.op === 'flush' && c.reason)).toEqual([
      'reconnect',
      'end',
    ]);
    expect(recorder.flushedBytes.input).toEqual([
      Buffer.from(audio(1).data, 'base64'),
      Buffer.from(audio(2).data, 'base64'),
    ]);
  });
});

describe('tool calls whose connection died', () => {
  const slowTool = (gate: Promise<void>) =>
    new FunctionTool({
      name: 'lookup',
      description: 'l',
      execute: async () => {
        await gate;
        return 'found';
      },
    });

  it('are answered on the new connection when the handle used is newer than the call', async () => {
    let finish = () => {};
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const { model, conn, queue, run, storedKinds } = await startScriptedRun({
      reconnect: fast,
      tools: [slowTool(gate)],
    });
    conn.receive({
      toolCall: { functionCalls: [{ id: 'c1', name: 'lookup', args: {} }] },
      sessionResumptionUpdate: { newHandle: 'after-call', resumable: true },
    });
    await run.waitFor(isKind('resumption'));
    conn.drop({ code: 1011 });
    const second = await model.nextConnection(1);
    finish();
    const answer = await second.waitForSent((item) => item.kind === 'toolResponse');
    expect(answer).toMatchObject({
      functionResponses: [{ id: 'c1', name: 'lookup', response: { output: 'found' } }],
    });
    await run.waitFor(isKind('response'));
    queue.close();
    await run.done;
    expect(conn.sent).toEqual([]);
    expect(await storedKinds()).toEqual(['call', 'response', 'other']);
  });

  it('are not sent anywhere when the resumed session predates the call, but the result is kept', async () => {
    let finish = () => {};
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const { model, conn, queue, run, storedKinds } = await startScriptedRun({
      reconnect: fast,
      tools: [slowTool(gate)],
    });
    conn.receive(
      frames.resumptionUpdate('before-call'),
      frames.toolCall([{ id: 'c1', name: 'lookup', args: {} }]),
    );
    await run.waitFor(isKind('call'));
    conn.drop({ code: 1011 });
    const second = await model.nextConnection(1);
    expect(second.config.sessionResumption).toEqual({ handle: 'before-call' });
    finish();
    await run.waitFor(isKind('response'));
    queue.close();
    await run.done;
    expect([...conn.sent, ...second.sent].filter((item) => item.kind === 'toolResponse')).toEqual([]);
    expect(await storedKinds()).toEqual(['call', 'response', 'other']);
  });
});
