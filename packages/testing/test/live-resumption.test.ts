import { GoogleGenAI, type LiveServerMessage } from '@google/genai';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeLiveServer, type LiveClientFrame, liveServerFrames, pcm16Tone } from '../src/live/index.js';
import { connectSdk, eventually, MODEL, SdkCallbacks } from './live-sdk-helpers.js';

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The SDK accepts `transparent` only in Vertex AI mode (express mode: an API key, no project). */
async function connectVertex(
  fake: FakeLiveServer,
  sessionResumption: { handle?: string; transparent?: boolean },
) {
  const sdk = new SdkCallbacks();
  const client = new GoogleGenAI({
    vertexai: true,
    apiKey: 'vertex-key',
    httpOptions: { baseUrl: fake.baseUrl },
  });
  const session = await client.live.connect({
    model: MODEL,
    callbacks: sdk.callbacks,
    config: { sessionResumption },
  });
  return { session, sdk };
}

const chunk = (seed: number) => ({
  data: pcm16Tone({ ms: 10, rate: 16_000, seed }).toString('base64'),
  mimeType: 'audio/pcm;rate=16000',
});
const seeds = (frames: LiveClientFrame[]) =>
  frames
    .map((frame) => frame.realtimeInput?.audio?.data)
    .map((data) => [1, 2, 3, 4, 5, 6, 7].find((s) => chunk(s).data === data));
const updateOf = (messages: LiveServerMessage[]) =>
  messages.find((m) => m.sessionResumptionUpdate)?.sessionResumptionUpdate;

describe('FakeLiveServer: session resumption', () => {
  it('on a transparent connection each update carries lastConsumedClientMessageIndex, as a decimal string', async () => {
    server = await FakeLiveServer.start({ frames: 'binary' });
    const { session, sdk } = await connectVertex(server, { transparent: true });
    const conn = await server.nextConnection();
    expect(conn.transparent).toBe(true);
    for (const seed of [1, 2, 3]) session.sendRealtimeInput({ audio: chunk(seed) });
    await eventually(() => conn.received.length === 3, '3 frames');
    conn.sendResumptionUpdate('h1');
    await sdk.until(() => updateOf(sdk.messages) !== undefined, 'the update');
    expect(updateOf(sdk.messages)).toEqual({
      newHandle: 'h1',
      resumable: true,
      lastConsumedClientMessageIndex: '3',
    });
    expect(conn.issuedHandles.get('h1')).toBe(3);
    session.sendRealtimeInput({ audio: chunk(4) });
    await eventually(() => conn.received.length === 4, '4 frames');
    conn.terminate();
    await conn.closed;
    expect(conn.consumedAtClose).toBe(4);
  });

  it('without transparent the update has no index; a given index is sent as is', async () => {
    server = await FakeLiveServer.start();
    const { session, sdk } = await connectSdk(server, { config: { sessionResumption: {} } });
    const conn = await server.nextConnection();
    expect(conn.transparent).toBe(false);
    conn.sendResumptionUpdate('h1');
    conn.sendResumptionUpdate('h2', { lastConsumedClientMessageIndex: '0' });
    await sdk.until(() => sdk.messages.filter((m) => m.sessionResumptionUpdate).length === 2, 'two updates');
    expect(sdk.messages.flatMap((m) => m.sessionResumptionUpdate ?? [])).toEqual([
      { newHandle: 'h1', resumable: true },
      { newHandle: 'h2', resumable: true, lastConsumedClientMessageIndex: '0' },
    ]);
    expect(liveServerFrames.resumptionUpdate('h', false, '7')).toEqual({
      sessionResumptionUpdate: { newHandle: 'h', resumable: false, lastConsumedClientMessageIndex: '7' },
    });
    session.close();
  });

  it('sessionHistory follows handles across connections: what came after the resumed handle is not in it', async () => {
    server = await FakeLiveServer.start();
    const first = await connectVertex(server, { transparent: true });
    const a = await server.nextConnection();
    for (const seed of [1, 2, 3]) first.session.sendRealtimeInput({ audio: chunk(seed) });
    await eventually(() => a.received.length === 3, 'frames on A');
    a.sendResumptionUpdate('hA', { lastConsumedClientMessageIndex: '2' }); // frame 3 not in hA's session
    a.terminate();
    // B resumes from hA, gets 4 and 5, issues nothing and drops: C resumes from hA again.
    const second = await connectVertex(server, { handle: 'hA', transparent: true });
    const b = await server.nextConnection();
    expect(b.resumedFrom).toBe('hA');
    for (const seed of [4, 5]) second.session.sendRealtimeInput({ audio: chunk(seed) });
    await eventually(() => b.received.length === 2, 'frames on B');
    expect(seeds(server.sessionHistory(b))).toEqual([1, 2, 4, 5]);
    b.terminate();
    const third = await connectVertex(server, { handle: 'hA', transparent: true });
    const c = await server.nextConnection();
    for (const seed of [6, 7]) third.session.sendRealtimeInput({ audio: chunk(seed) });
    await eventually(() => c.received.length === 2, 'frames on C');
    expect(seeds(server.sessionHistory())).toEqual([1, 2, 6, 7]);
    expect(seeds(server.sessionHistory(a))).toEqual([1, 2, 3]);
    third.session.close();
  });
});
