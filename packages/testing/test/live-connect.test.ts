import {
  ActivityHandling,
  EndSensitivity,
  Modality,
  StartSensitivity,
  TurnCoverage,
  Type,
} from '@google/genai';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeLiveServer } from '../src/live/index.js';
import { connectSdk, MODEL } from './live-sdk-helpers.js';

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('FakeLiveServer: connecting the real @google/genai SDK', () => {
  it('records the SDK URL (double slash, key query, default v1beta) and upgrade headers', async () => {
    server = await FakeLiveServer.start();
    expect(server.baseUrl).toBe(`http://127.0.0.1:${server.port}`);
    const { session } = await connectSdk(server);
    const conn = await server.nextConnection();
    expect(conn.url).toBe(
      '//ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent?key=test-key',
    );
    expect(conn.apiKey).toBe('test-key');
    expect(conn.apiVersion).toBe('v1beta');
    expect(conn.headers['x-goog-api-client']).toMatch(/^google-genai-sdk\/2\.32\.0 /);
    expect(conn.index).toBe(0);
    expect(server.connections).toEqual([conn]);
    session.close();
    expect(await conn.closed).toEqual({ code: 1005, reason: '', byClient: true });
  });

  it('accepts any apiVersion in the path (v1alpha)', async () => {
    server = await FakeLiveServer.start();
    const { session } = await connectSdk(server, { apiVersion: 'v1alpha' });
    const conn = await server.nextConnection();
    expect(conn.url).toBe(
      '//ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContent?key=test-key',
    );
    expect(conn.apiVersion).toBe('v1alpha');
    session.close();
  });

  it('records the setup frame of a rich config exactly as the SDK maps it', async () => {
    server = await FakeLiveServer.start();
    const { session } = await connectSdk(server, {
      config: {
        responseModalities: [Modality.AUDIO],
        temperature: 0.5,
        speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Puck' } }, languageCode: 'en-US' },
        systemInstruction: 'You are a test agent.',
        tools: [
          {
            functionDeclarations: [
              {
                name: 'get_weather',
                description: 'Weather',
                parameters: {
                  type: Type.OBJECT,
                  properties: { city: { type: Type.STRING } },
                  required: ['city'],
                },
              },
            ],
          },
        ],
        sessionResumption: { handle: 'prev-handle' },
        inputAudioTranscription: {},
        outputAudioTranscription: {},
        realtimeInputConfig: {
          automaticActivityDetection: {
            disabled: false,
            startOfSpeechSensitivity: StartSensitivity.START_SENSITIVITY_LOW,
            endOfSpeechSensitivity: EndSensitivity.END_SENSITIVITY_HIGH,
            prefixPaddingMs: 20,
            silenceDurationMs: 100,
          },
          activityHandling: ActivityHandling.START_OF_ACTIVITY_INTERRUPTS,
          turnCoverage: TurnCoverage.TURN_INCLUDES_ONLY_ACTIVITY,
        },
        contextWindowCompression: { triggerTokens: '25600', slidingWindow: { targetTokens: '12800' } },
      },
    });
    const conn = await server.nextConnection();
    expect(conn.setup).toEqual({
      model: `models/${MODEL}`,
      generationConfig: {
        responseModalities: ['AUDIO'],
        temperature: 0.5,
        speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Puck' } }, languageCode: 'en-US' },
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
      sessionResumption: { handle: 'prev-handle' },
      inputAudioTranscription: {},
      outputAudioTranscription: {},
      realtimeInputConfig: {
        automaticActivityDetection: {
          disabled: false,
          startOfSpeechSensitivity: 'START_SENSITIVITY_LOW',
          endOfSpeechSensitivity: 'END_SENSITIVITY_HIGH',
          prefixPaddingMs: 20,
          silenceDurationMs: 100,
        },
        activityHandling: 'START_OF_ACTIVITY_INTERRUPTS',
        turnCoverage: 'TURN_INCLUDES_ONLY_ACTIVITY',
      },
      contextWindowCompression: { triggerTokens: '25600', slidingWindow: { targetTokens: '12800' } },
    });
    // setup is not a "received" frame: received holds what came after it
    expect(conn.received).toEqual([]);
    session.close();
  });

  it('answers setup with the planned setupComplete body, delivered to the SDK first', async () => {
    server = await FakeLiveServer.start();
    server.planConnection({ setupComplete: { sessionId: 'sess-1' } });
    const { session, sdk } = await connectSdk(server);
    expect(session.setupComplete?.sessionId).toBe('sess-1');
    expect(sdk.messages[0]?.setupComplete).toEqual({ sessionId: 'sess-1' });
    const conn = await server.nextConnection();
    expect(conn.sent).toEqual(['{"setupComplete":{"sessionId":"sess-1"}}']);
    session.close();
  });

  it('planned connections come first, then the defaultPlan applies to every other connection', async () => {
    server = await FakeLiveServer.start({ defaultPlan: { setupComplete: { sessionId: 'default' } } });
    server.planConnection({ setupComplete: { sessionId: 'planned' } });
    const first = await connectSdk(server);
    const second = await connectSdk(server);
    const third = await connectSdk(server);
    expect([first, second, third].map(({ session }) => session.setupComplete?.sessionId)).toEqual([
      'planned',
      'default',
      'default',
    ]);
    for (const { session } of [first, second, third]) session.close();
  });

  it('nextConnection hands out each connection once, in order, and times out when none comes', async () => {
    server = await FakeLiveServer.start();
    const pending = server.nextConnection(); // asked before anyone connected
    const first = await connectSdk(server);
    const second = await connectSdk(server);
    const conn0 = await pending;
    const conn1 = await server.nextConnection(); // already waiting: resolves at once
    expect([conn0.index, conn1.index]).toEqual([0, 1]);
    expect(server.connections).toEqual([conn0, conn1]);
    await expect(server.nextConnection({ timeoutMs: 50 })).rejects.toThrow(/within 50 ms/);
    first.session.close();
    second.session.close();
    await Promise.all([conn0.closed, conn1.closed]);
    expect(conn0.isOpen).toBe(false);
  });
});
