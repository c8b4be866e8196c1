import { InMemorySessionService, LIVE_RESUMPTION_HANDLE_KEY, LiveConnectionError } from '@earshot/core';
import { FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { GeminiLiveModel } from '../src/connection/gemini-live-model.js';
import { RESUMPTION_HANDLE_REJECTED } from '../src/index.js';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';
import { Runner } from '../src/runner.js';
import { type Collected, collect, kindOf } from './helpers/collect.js';
import { FRAME_ENCODINGS, type FrameEncoding } from './helpers/live-fixture.js';

const KEY = { appName: 'app', userId: 'u1', sessionId: 's1' };
let server: FakeLiveServer | undefined;
let queue: LiveRequestQueue | undefined;
let run: Collected | undefined;

afterEach(async () => {
  if (queue && !queue.isClosed) queue.close();
  await run?.done;
  await server?.close();
  server = queue = run = undefined;
});

/** A session whose state holds `stored`, and a run on it through the real SDK and a FakeLiveServer. */
async function startOnStoredHandle(frames: FrameEncoding, sessionResumption: { handle?: string }) {
  server = await FakeLiveServer.start({ frames });
  server.planConnection({ closeBeforeSetupComplete: { code: 1008, reason: 'invalid handle' } });
  const model = new GeminiLiveModel({
    model: 'gemini-live-test',
    apiKey: 'test-key',
    httpOptions: { baseUrl: server.baseUrl, apiVersion: 'v1beta' },
  });
  const sessionService = new InMemorySessionService();
  await sessionService.createSession({ ...KEY, state: { [LIVE_RESUMPTION_HANDLE_KEY]: 'stale' } });
  const agent = new LlmAgent({ name: 'helper', model, instruction: 'Be brief.' });
  const runner = new Runner({ appName: 'app', agent, sessionService });
  queue = new LiveRequestQueue();
  run = collect(
    runner.runLive({
      userId: 'u1',
      sessionId: 's1',
      liveRequestQueue: queue,
      runConfig: { sessionResumption },
    }),
  );
  const state = async () => (await sessionService.getSession(KEY))?.state ?? {};
  const storedKinds = async () => ((await sessionService.getSession(KEY))?.events ?? []).map(kindOf);
  return { server, queue, run, state, storedKinds };
}

describe.each(FRAME_ENCODINGS)(
  'a refused stored resumption handle through the real SDK (%s frames)',
  (frames) => {
    it('the run goes on as a new session, the notice is persisted and the stored handle deleted', async () => {
      const { server, queue, run, state, storedKinds } = await startOnStoredHandle(frames, {});
      const refused = await server.nextConnection({ timeoutMs: 20_000 });
      expect(refused.setup?.sessionResumption).toEqual({ handle: 'stale' });
      const pcm = pcm16Tone({ ms: 20, rate: 16_000, seed: 3 });
      queue.sendRealtime({ data: pcm.toString('base64'), mimeType: 'audio/pcm;rate=16000' });
      const fresh = await server.nextConnection({ timeoutMs: 20_000 });
      expect(fresh.setup?.sessionResumption).toEqual({});
      await run.waitFor((e) => e.errorCode === RESUMPTION_HANDLE_REJECTED);
      await fresh.waitFor((frame) => frame.realtimeInput !== undefined);
      expect(fresh.receivedAudio()).toEqual(pcm);
      expect(LIVE_RESUMPTION_HANDLE_KEY in (await state())).toBe(false);
      fresh.sendResumptionUpdate('fresh');
      fresh.sendTurnComplete();
      await run.waitFor((e) => e.turnComplete === true);
      queue.close();
      expect(await run.done).toEqual({ error: undefined });
      expect(await storedKinds()).toEqual([`error:${RESUMPTION_HANDLE_REJECTED}`, 'turnComplete']);
      expect((await state())[LIVE_RESUMPTION_HANDLE_KEY]).toBe('fresh');
    });

    it('an explicit handle that is refused still ends the run with LiveConnectionError', async () => {
      const { server, run } = await startOnStoredHandle(frames, { handle: 'mine' });
      const { error } = await run.done;
      expect(error).toBeInstanceOf(LiveConnectionError);
      expect((error as LiveConnectionError).closeCode).toBe(1008);
      expect(run.events.map(kindOf)).toEqual(['error:LIVE_CONNECTION']);
      const refused = await server.nextConnection({ timeoutMs: 1_000 });
      expect(refused.setup?.sessionResumption).toEqual({ handle: 'mine' });
    });
  },
);
