import {
  createRunConfig,
  type Event,
  InMemorySessionService,
  LIVE_RESUMPTION_HANDLE_KEY,
  type PersistencePolicy,
} from '@earshot/core';
import { liveServerFrames as frames, pcm16Tone } from '@earshot/testing';
import { Modality, type Tool } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { FunctionTool } from '../src/tools/function-tool.js';
import { kindOf } from './helpers/collect.js';
import { APP, SESSION, startScriptedRun, USER } from './helpers/fixture.js';

const isTurnComplete = (event: Event) => event.turnComplete === true;

describe('Runner.runLive over a scripted model (no sockets)', () => {
  it('yields model output in order and persists exactly what the policy keeps, before yielding it', async () => {
    const { conn, queue, run, storedKinds, sessionService } = await startScriptedRun();
    const chunks = [1, 2, 3].map((seed) => pcm16Tone({ ms: 40, rate: 24_000, seed }));
    conn.receive(
      frames.inputTranscription('what is'),
      frames.inputTranscription(' up', true),
      ...chunks.map((pcm) => frames.audio(pcm)),
      frames.outputTranscription('Not'),
      frames.outputTranscription(' much'),
      frames.resumptionUpdate('handle-1'),
      frames.generationComplete(),
      frames.turnComplete(),
      frames.usage({ totalTokenCount: 12 }),
    );
    await run.waitFor((e) => e.usageMetadata !== undefined, 'usage');
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(run.events.map(kindOf)).toEqual([
      'partial-in:what is',
      'partial-in: up',
      'in:what is up',
      'audio',
      'audio',
      'audio',
      'partial-out:Not',
      'partial-out: much',
      'resumption',
      'out:Not much',
      'generationComplete',
      'turnComplete',
      'usage',
    ]);
    // Byte-exact audio, in order.
    const yieldedAudio = run.events
      .filter((e) => kindOf(e) === 'audio')
      .map((e) => Buffer.from(e.content?.parts?.[0]?.inlineData?.data ?? '', 'base64'));
    expect(Buffer.concat(yieldedAudio).equals(Buffer.concat(chunks))).toBe(true);
    // Authors: input transcriptions by the user, the rest by the agent.
    expect(run.events.filter((e) => e.author === 'user').map(kindOf)).toEqual([
      'partial-in:what is',
      'partial-in: up',
      'in:what is up',
    ]);
    expect(await storedKinds()).toEqual([
      'in:what is up',
      'out:Not much',
      'generationComplete',
      'turnComplete',
      'usage',
    ]);
    // The resumable handle rides on the next persisted turn boundary, and lands in session state.
    const stored =
      (await sessionService.getSession({ appName: APP, userId: USER, sessionId: SESSION })) ?? never();
    const boundary = stored.events.find((e) => e.generationComplete);
    expect(boundary?.actions.stateDelta).toEqual({ [LIVE_RESUMPTION_HANDLE_KEY]: 'handle-1' });
    expect(stored.events.find(isTurnComplete)?.actions.stateDelta).toEqual({});
    expect(stored.state[LIVE_RESUMPTION_HANDLE_KEY]).toBe('handle-1');
    // Every event shares the run's invocation id.
    expect(new Set(run.events.map((e) => e.invocationId)).size).toBe(1);
  });

  it('ignores non-resumable handles', async () => {
    const { conn, queue, run, stored } = await startScriptedRun();
    conn.receive(frames.resumptionUpdate('h-ok'), frames.turnComplete());
    conn.receive(frames.resumptionUpdate('h-no', false), frames.turnComplete());
    await run.waitForCount(isTurnComplete, 2);
    queue.close();
    await run.done;
    expect((await stored()).map((e) => e.actions.stateDelta[LIVE_RESUMPTION_HANDLE_KEY])).toEqual([
      'h-ok',
      undefined,
    ]);
  });

  it('creates the session when missing and reuses an existing one', async () => {
    const sessionService = new InMemorySessionService();
    await sessionService.createSession({
      appName: APP,
      userId: USER,
      sessionId: SESSION,
      state: { mood: 'ok' },
    });
    const first = await startScriptedRun({ sessionService });
    first.conn.receive(frames.turnComplete());
    await first.run.waitFor(isTurnComplete);
    first.queue.close();
    await first.run.done;
    const second = await startScriptedRun({ sessionService });
    second.conn.receive(frames.turnComplete());
    await second.run.waitFor(isTurnComplete);
    second.queue.close();
    await second.run.done;
    const session = await sessionService.getSession({ appName: APP, userId: USER, sessionId: SESSION });
    expect(session?.state.mood).toBe('ok');
    expect(session?.events.map(kindOf)).toEqual(['turnComplete', 'turnComplete']);
    expect(new Set(session?.events.map((e) => e.invocationId)).size).toBe(2);
    const fresh = await startScriptedRun();
    fresh.queue.close();
    await fresh.run.done;
    expect(
      await fresh.sessionService.getSession({ appName: APP, userId: USER, sessionId: SESSION }),
    ).toBeDefined();
  });

  it('builds the connect config from the run config and agent without touching the caller object', async () => {
    const runConfig = {
      responseModalities: [Modality.AUDIO],
      speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Puck' } } },
      inputAudioTranscription: {},
      outputAudioTranscription: {},
      realtimeInputConfig: { automaticActivityDetection: { disabled: true } },
      sessionResumption: { handle: 'h0' },
      contextWindowCompression: { triggerTokens: '25600', slidingWindow: { targetTokens: '12800' } },
      proactivity: { proactiveAudio: true },
      enableAffectiveDialog: true,
      customMetadata: { tenant: 't1' },
    };
    const snapshot = structuredClone(runConfig);
    const tool = new FunctionTool({
      name: 'get_weather',
      description: 'Weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      execute: () => 'sunny',
    });
    const { conn, queue, run, model } = await startScriptedRun({ runConfig, tools: [tool] });
    expect(conn.config).toEqual({
      responseModalities: ['AUDIO'],
      speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Puck' } } },
      inputAudioTranscription: {},
      outputAudioTranscription: {},
      realtimeInputConfig: { automaticActivityDetection: { disabled: true } },
      sessionResumption: { handle: 'h0' },
      contextWindowCompression: { triggerTokens: '25600', slidingWindow: { targetTokens: '12800' } },
      proactivity: { proactiveAudio: true },
      enableAffectiveDialog: true,
      systemInstruction: 'Be brief.',
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Weather',
              parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            },
          ],
        },
      ],
    });
    // Nothing in the connect config is shared with the caller's objects or the tool.
    expect(conn.config.speechConfig).not.toBe(runConfig.speechConfig);
    const declaration = (conn.config.tools?.[0] as Tool | undefined)?.functionDeclarations?.[0];
    if (declaration?.parameters) declaration.parameters.required = ['mutated by the SDK'];
    expect(tool.declaration().parameters).toEqual({
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
    });
    expect(model.requests[0]?.timeoutMs).toBe(15_000);
    queue.close();
    await run.done;
    expect(runConfig).toEqual(snapshot);
    expect(createRunConfig(runConfig)).not.toBe(runConfig);
  });

  it('merges runConfig.customMetadata into every event, the event keys winning', async () => {
    const { conn, queue, run } = await startScriptedRun({ runConfig: { customMetadata: { tenant: 't1' } } });
    conn.receive(frames.audio(pcm16Tone({ ms: 10, rate: 24_000 })), frames.turnComplete());
    await run.waitFor(isTurnComplete);
    queue.close();
    await run.done;
    expect(run.events.map((e) => e.customMetadata)).toEqual([{ tenant: 't1' }, { tenant: 't1' }]);
  });

  it('forwards queue items in order and persists typed user content as a user event', async () => {
    const { conn, queue, run, storedKinds } = await startScriptedRun();
    const pcm = pcm16Tone({ ms: 40, rate: 16_000 });
    queue.sendActivityStart();
    queue.sendRealtime({ data: pcm.toString('base64'), mimeType: 'audio/pcm;rate=16000' });
    queue.sendActivityEnd();
    queue.sendContent({ parts: [{ text: 'hello' }] });
    await conn.waitForSent((item) => item.kind === 'content');
    expect(conn.sent).toEqual([
      { kind: 'realtime', input: { activityStart: {} } },
      {
        kind: 'realtime',
        input: { audio: { data: pcm.toString('base64'), mimeType: 'audio/pcm;rate=16000' } },
      },
      { kind: 'realtime', input: { activityEnd: {} } },
      { kind: 'content', turns: [{ role: 'user', parts: [{ text: 'hello' }] }], turnComplete: true },
    ]);
    queue.close();
    await run.done;
    expect(run.events.map((e) => [e.author, kindOf(e)])).toEqual([['user', 'text:hello']]);
    expect(await storedKinds()).toEqual(['text:hello']);
    expect(conn.isClosed).toBe(true);
  });

  it('uses a replacement persistence policy for every event', async () => {
    const seen: string[] = [];
    const persistEverythingButAudio: PersistencePolicy = (event) => {
      seen.push(kindOf(event));
      return kindOf(event) === 'audio'
        ? { persist: false, rule: 'raw-media' }
        : { persist: true, rule: 'other' };
    };
    const { conn, queue, run, storedKinds } = await startScriptedRun({
      persistencePolicy: persistEverythingButAudio,
    });
    conn.receive(
      frames.audio(pcm16Tone({ ms: 10, rate: 24_000 })),
      frames.resumptionUpdate('h'),
      frames.turnComplete(),
    );
    await run.waitFor(isTurnComplete);
    queue.close();
    await run.done;
    expect(seen).toEqual(['audio', 'resumption', 'turnComplete']);
    expect(await storedKinds()).toEqual(['resumption', 'turnComplete']);
  });
});

function never(): never {
  throw new Error('unreachable');
}
