import { LIVE_RESUMPTION_HANDLE_KEY } from '@earshot/core';
import { clientFrameIs, pcm16Tone } from '@earshot/testing';
import { Modality } from '@google/genai';
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionTool } from '../src/tools/function-tool.js';
import { kindOf } from './helpers/collect.js';
import { FRAME_ENCODINGS, type LiveFixture, startLive, stopLive } from './helpers/live-fixture.js';

const MIME_16K = 'audio/pcm;rate=16000';
let fixture: LiveFixture | undefined;
afterEach(async () => {
  await stopLive(fixture);
  fixture = undefined;
});

describe.each(FRAME_ENCODINGS)('runLive end to end through the real SDK (%s frames)', (frames) => {
  it('sends a setup built from the run config, instruction and tools', async () => {
    const tool = new FunctionTool({
      name: 'get_weather',
      description: 'Weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      execute: () => 'sunny',
    });
    fixture = await startLive({
      frames,
      tools: [tool],
      runConfig: {
        inputAudioTranscription: {},
        outputAudioTranscription: {},
        speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Puck' } } },
      },
    });
    expect(fixture.conn.apiKey).toBe('test-key');
    expect(fixture.conn.setup).toEqual({
      model: 'models/gemini-live-test',
      generationConfig: {
        responseModalities: ['AUDIO'],
        speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Puck' } } },
      },
      systemInstruction: { parts: [{ text: 'You are a test agent.' }], role: 'user' },
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Weather',
              parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] },
            },
          ],
        },
      ],
      inputAudioTranscription: {},
      outputAudioTranscription: {},
    });
  });

  it('delivers queued input to the server in order, audio byte-exact', async () => {
    fixture = await startLive({ frames });
    const { conn, queue } = fixture;
    const chunks = [1, 2, 3].map((seed) => pcm16Tone({ ms: 40, rate: 16_000, seed }));
    queue.sendActivityStart();
    for (const pcm of chunks) queue.sendRealtime({ data: pcm.toString('base64'), mimeType: MIME_16K });
    queue.sendActivityEnd();
    queue.sendContent({ parts: [{ text: 'hello' }] });
    await conn.waitFor(clientFrameIs.clientContent);
    expect(conn.received).toEqual([
      { realtimeInput: { activityStart: {} } },
      ...chunks.map((pcm) => ({
        realtimeInput: { audio: { data: pcm.toString('base64'), mimeType: MIME_16K } },
      })),
      { realtimeInput: { activityEnd: {} } },
      { clientContent: { turns: [{ parts: [{ text: 'hello' }], role: 'user' }], turnComplete: true } },
    ]);
    expect(conn.receivedAudio().equals(Buffer.concat(chunks))).toBe(true);
  });

  it('yields a whole turn in order, byte-exact audio, and persists exactly the policy set', async () => {
    fixture = await startLive({ frames });
    const { conn, run, queue } = fixture;
    const chunks = [1, 2, 3, 4].map((seed) => pcm16Tone({ ms: 40, rate: 24_000, seed }));
    conn.sendInputTranscription('what is');
    conn.sendInputTranscription(' up', { finished: true });
    for (const pcm of chunks.slice(0, 2)) conn.sendAudio(pcm);
    conn.sendOutputTranscription('Not');
    for (const pcm of chunks.slice(2)) conn.sendAudio(pcm);
    conn.sendOutputTranscription(' much');
    conn.sendResumptionUpdate('handle-7');
    conn.sendGenerationComplete();
    conn.sendTurnComplete();
    conn.sendUsage({ promptTokenCount: 10, responseTokenCount: 5, totalTokenCount: 15 });
    await run.waitFor((e) => e.usageMetadata !== undefined, 'usage');
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(run.events.map((e) => `${e.author}:${kindOf(e)}`)).toEqual([
      'user:partial-in:what is',
      'user:partial-in: up',
      'user:in:what is up',
      'helper:audio',
      'helper:audio',
      'helper:partial-out:Not',
      'helper:audio',
      'helper:audio',
      'helper:partial-out: much',
      'helper:resumption',
      'helper:out:Not much',
      'helper:generationComplete',
      'helper:turnComplete',
      'helper:usage',
    ]);
    const audio = run.events.filter((e) => kindOf(e) === 'audio');
    expect(audio.map((e) => e.content?.parts?.[0]?.inlineData)).toEqual(
      chunks.map((pcm) => ({ mimeType: 'audio/pcm;rate=24000', data: pcm.toString('base64') })),
    );
    expect(await fixture.storedKinds()).toEqual([
      'in:what is up',
      'out:Not much',
      'generationComplete',
      'turnComplete',
      'usage',
    ]);
    const session = await fixture.sessionService.getSession({
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
    });
    expect(session?.state[LIVE_RESUMPTION_HANDLE_KEY]).toBe('handle-7');
    expect(session?.events.find((e) => e.generationComplete)?.actions.stateDelta).toEqual({
      [LIVE_RESUMPTION_HANDLE_KEY]: 'handle-7',
    });
    expect(session?.events.find((e) => e.usageMetadata)?.usageMetadata).toEqual({
      promptTokenCount: 10,
      responseTokenCount: 5,
      totalTokenCount: 15,
    });
  });

  it('an interruption closes the turn: finals, then the interrupted event, then the next turn', async () => {
    fixture = await startLive({ frames });
    const { conn, run, queue } = fixture;
    conn.sendOutputTranscription('I was say');
    conn.sendAudio(pcm16Tone({ ms: 40, rate: 24_000 }));
    conn.sendInterrupted();
    conn.sendInputTranscription('stop', { finished: true });
    conn.sendOutputTranscription('OK', { finished: true });
    conn.sendTurnComplete();
    await run.waitFor((e) => e.turnComplete === true);
    queue.close();
    await run.done;
    expect(await fixture.storedKinds()).toEqual([
      'out:I was say',
      'interrupted',
      'in:stop',
      'out:OK',
      'turnComplete',
    ]);
  });

  it('streams text responses: partial chunks, then the whole text persisted', async () => {
    fixture = await startLive({ frames, runConfig: { responseModalities: [Modality.TEXT] } });
    const { conn, run, queue } = fixture;
    expect(fixture.conn.setup?.generationConfig).toEqual({ responseModalities: ['TEXT'] });
    conn.sendText('Hel');
    conn.sendText('lo!');
    conn.sendTurnComplete();
    await run.waitFor((e) => e.turnComplete === true);
    queue.close();
    await run.done;
    expect(run.events.map(kindOf)).toEqual([
      'partial-text:Hel',
      'partial-text:lo!',
      'text:Hello!',
      'turnComplete',
    ]);
    expect(await fixture.storedKinds()).toEqual(['text:Hello!', 'turnComplete']);
  });
});
