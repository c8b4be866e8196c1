import { FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { GoogleGenAI, Session } from '@google/genai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GeminiLiveModel } from '../src/connection/gemini-live-model.js';
import type { LiveRealtimeInput } from '../src/connection/live-model.js';
import { realtimeFrame } from '../src/connection/realtime-frame.js';
import { validateRealtimeBlob } from '../src/input/live-input-validation.js';

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const audio = validateRealtimeBlob({
  data: pcm16Tone({ ms: 40, rate: 16_000, seed: 3 }).toString('base64'),
  mimeType: ' Audio/PCM ; rate=16000',
});
const still = validateRealtimeBlob({
  data: Buffer.from('not really a jpeg').toString('base64'),
  mimeType: 'image/jpeg',
});

/** The text the SDK itself puts on the wire for `input` (Gemini API mode). */
async function sdkFrame(input: LiveRealtimeInput): Promise<string> {
  server ??= await FakeLiveServer.start();
  const client = new GoogleGenAI({
    apiKey: 'k',
    httpOptions: { baseUrl: server.baseUrl, apiVersion: 'v1beta' },
  });
  const session: Session = await client.live.connect({ model: 'm', callbacks: { onmessage: () => {} } });
  const sent: string[] = [];
  const conn = session.conn as { send(message: string): void };
  const send = conn.send.bind(conn);
  conn.send = (message) => {
    sent.push(message);
    send(message);
  };
  session.sendRealtimeInput({ ...input });
  session.close();
  return sent[0] as string;
}

describe('realtimeFrame', () => {
  it('is byte for byte the frame the SDK sends, for audio and for still frames', async () => {
    expect(realtimeFrame({ audio })).toBe(
      await sdkFrame({ audio: { data: audio.data, mimeType: audio.mimeType } }),
    );
    expect(realtimeFrame({ video: still })).toBe(
      await sdkFrame({ video: { data: still.data, mimeType: still.mimeType } }),
    );
  });

  it('leaves anything the queue did not check to the SDK', () => {
    // A plain object could hold a quote or a backslash: only validated blobs are concatenated.
    expect(realtimeFrame({ audio: { data: 'a"b', mimeType: 'audio/pcm' } })).toBeUndefined();
    expect(realtimeFrame({ activityStart: {} })).toBeUndefined();
    expect(realtimeFrame({ audioStreamEnd: true })).toBeUndefined();
  });

  it('reaches the server as the same realtimeInput, through GeminiLiveModel', async () => {
    server = await FakeLiveServer.start();
    const model = new GeminiLiveModel({
      model: 'm',
      apiKey: 'k',
      httpOptions: { baseUrl: server.baseUrl, apiVersion: 'v1beta' },
    });
    const viaSdk = vi.spyOn(Session.prototype, 'sendRealtimeInput');
    const listener = { onMessage: () => {}, onProtocolError: () => {}, onClose: () => {} };
    const connection = await model.connect({ config: {}, listener, timeoutMs: 5_000 });
    const conn = await server.nextConnection();
    connection.sendRealtimeInput({ audio });
    connection.sendRealtimeInput({ audio: { data: 'AAAA', mimeType: 'audio/pcm;rate=24000' } });
    connection.sendRealtimeInput({ video: still });
    const third = await conn.waitFor((frame) => frame.realtimeInput?.video !== undefined);
    expect(conn.received.map((frame) => frame.realtimeInput)).toEqual([
      { audio: { data: audio.data, mimeType: 'audio/pcm;rate=16000' } },
      { audio: { data: 'AAAA', mimeType: 'audio/pcm;rate=24000' } },
      { video: { data: still.data, mimeType: 'image/jpeg' } },
    ]);
    expect(third).toBeDefined();
    // Only the chunk the queue never checked went through the SDK's mapper.
    expect(viaSdk).toHaveBeenCalledTimes(1);
    viaSdk.mockRestore();
    connection.close();
    await conn.closed;
  });
});
