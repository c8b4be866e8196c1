import {
  type Event,
  InMemorySessionService,
  LIVE_RESUMPTION_HANDLE_KEY,
  LiveConnectionError,
} from '@earshot/core';
import { liveServerFrames as frames, pcm16Tone } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { RESUMPTION_HANDLE_REJECTED } from '../src/index.js';
import { kindOf } from './helpers/collect.js';
import { APP, SESSION, startScriptedRun, USER } from './helpers/fixture.js';
import { ScriptedLiveModel } from './helpers/scripted-live-model.js';

const isKind = (kind: string) => (event: Event) => kindOf(event) === kind;
const rejectedKind = `error:${RESUMPTION_HANDLE_REJECTED}`;
const refused = () =>
  new LiveConnectionError('live connection closed before setupComplete (code 1008): invalid handle', {
    closeCode: 1008,
  });
const audio = {
  data: pcm16Tone({ ms: 20, rate: 16_000, seed: 7 }).toString('base64'),
  mimeType: 'audio/pcm;rate=16000',
};

async function sessionWithHandle(handle: string): Promise<InMemorySessionService> {
  const sessionService = new InMemorySessionService();
  await sessionService.createSession({
    appName: APP,
    userId: USER,
    sessionId: SESSION,
    state: { [LIVE_RESUMPTION_HANDLE_KEY]: handle },
  });
  return sessionService;
}

async function storedState(sessionService: InMemorySessionService): Promise<Record<string, unknown>> {
  const session = await sessionService.getSession({ appName: APP, userId: USER, sessionId: SESSION });
  return session?.state ?? {};
}

describe('a stored resumption handle the service refuses (scripted model)', () => {
  it('starts a fresh session once, says so in a persisted event, deletes the stored handle, keeps the input', async () => {
    const sessionService = await sessionWithHandle('stale');
    const model = new ScriptedLiveModel();
    model.failConnects.push(refused());
    let open = () => {};
    model.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const { queue, run, stored } = await startScriptedRun({
      sessionService,
      model,
      noConnection: true,
      runConfig: { sessionResumption: { transparent: true } },
    });
    // Input sent while the first (refused) connect is still pending reaches the fresh connection.
    queue.sendRealtime(audio);
    queue.sendContent({ role: 'user', parts: [{ text: 'hello again' }] });
    open();
    const conn = await model.nextConnection(0);
    expect(model.requests.map((r) => r.config.sessionResumption)).toEqual([
      { transparent: true, handle: 'stale' },
      { transparent: true },
    ]);
    const notice = await run.waitFor(isKind(rejectedKind));
    expect(notice.errorMessage).toContain('invalid handle');
    expect(notice.actions.stateDelta).toEqual({ [LIVE_RESUMPTION_HANDLE_KEY]: null });
    await conn.waitForSent((item) => item.kind === 'realtime');
    await conn.waitForSent((item) => item.kind === 'content');
    expect(LIVE_RESUMPTION_HANDLE_KEY in (await storedState(sessionService))).toBe(false);
    // The fresh session's own handles are saved as usual.
    conn.receive(frames.resumptionUpdate('fresh'), frames.turnComplete());
    await run.waitFor(isKind('turnComplete'));
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    const events = await stored();
    expect(events[0]?.id).toBe(notice.id);
    expect(events.map(kindOf)).toContain('turnComplete');
    expect((await storedState(sessionService))[LIVE_RESUMPTION_HANDLE_KEY]).toBe('fresh');
    expect(model.connections).toHaveLength(1);
  });

  it('a connect timeout with the stored handle is treated the same way', async () => {
    const sessionService = await sessionWithHandle('stale');
    const model = new ScriptedLiveModel();
    model.failConnects.push(new LiveConnectionError('no setupComplete within 100 ms'));
    const { queue, run } = await startScriptedRun({
      sessionService,
      model,
      noConnection: true,
      runConfig: { sessionResumption: {} },
    });
    const conn = await model.nextConnection(0);
    expect(conn.config.sessionResumption).toEqual({});
    await run.waitFor(isKind(rejectedKind));
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(LIVE_RESUMPTION_HANDLE_KEY in (await storedState(sessionService))).toBe(false);
  });

  it('retries only once: when the fresh connect fails too, the run fails and the stored handle stays', async () => {
    const sessionService = await sessionWithHandle('stale');
    const model = new ScriptedLiveModel();
    model.failConnects.push(refused(), new LiveConnectionError('still refused', { closeCode: 1008 }));
    const { run } = await startScriptedRun({
      sessionService,
      model,
      noConnection: true,
      runConfig: { sessionResumption: {} },
    });
    const { error } = await run.done;
    expect(error).toBeInstanceOf(LiveConnectionError);
    expect((error as LiveConnectionError).message).toContain('still refused');
    expect(model.requests).toHaveLength(2);
    expect(run.events.map(kindOf)).not.toContain(rejectedKind);
    expect((await storedState(sessionService))[LIVE_RESUMPTION_HANDLE_KEY]).toBe('stale');
  });

  it('an explicit handle that is refused fails the run with LiveConnectionError, without a retry', async () => {
    const sessionService = await sessionWithHandle('stale');
    const model = new ScriptedLiveModel();
    model.failConnects.push(refused());
    const { run } = await startScriptedRun({
      sessionService,
      model,
      noConnection: true,
      runConfig: { sessionResumption: { handle: 'mine' } },
    });
    const { error } = await run.done;
    expect(error).toBeInstanceOf(LiveConnectionError);
    expect((error as LiveConnectionError).closeCode).toBe(1008);
    expect(model.requests.map((r) => r.config.sessionResumption)).toEqual([{ handle: 'mine' }]);
    expect(run.events.map(kindOf)).not.toContain(rejectedKind);
    // As before: the error event saves the handle the run started from.
    expect((await storedState(sessionService))[LIVE_RESUMPTION_HANDLE_KEY]).toBe('mine');
  });
});
