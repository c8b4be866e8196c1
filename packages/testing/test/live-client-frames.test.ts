import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { clientFrameIs, FakeLiveServer, pcm16Tone } from '../src/live/index.js';
import { b64, connectSdk } from './live-sdk-helpers.js';

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const MIME_16K = 'audio/pcm;rate=16000';

describe('FakeLiveServer: recording client frames', () => {
  it('records every client frame kind the SDK sends, in order, with exact audio bytes', async () => {
    server = await FakeLiveServer.start();
    const { session } = await connectSdk(server);
    const conn = await server.nextConnection();
    const chunks = [1, 2, 3].map((seed) => pcm16Tone({ ms: 40, rate: 16_000, seed }));

    session.sendRealtimeInput({ activityStart: {} });
    session.sendRealtimeInput({ audio: { data: b64(chunks[0]!), mimeType: MIME_16K } });
    session.sendRealtimeInput({ audio: { data: b64(chunks[1]!), mimeType: MIME_16K } });
    session.sendRealtimeInput({ text: 'typed text' });
    session.sendRealtimeInput({ audio: { data: b64(chunks[2]!), mimeType: MIME_16K } });
    session.sendRealtimeInput({ activityEnd: {} });
    session.sendRealtimeInput({ audioStreamEnd: true });
    session.sendClientContent({ turns: [{ role: 'user', parts: [{ text: 'hello' }] }], turnComplete: true });
    session.sendToolResponse({
      functionResponses: [{ id: 'call-1', name: 'get_weather', response: { output: { temp: 21 } } }],
    });
    expect(await conn.waitFor(clientFrameIs.toolResponseFor('call-1'))).toBe(conn.received.at(-1));
    expect(await conn.waitFor(clientFrameIs.audioStreamEnd)).toBe(conn.received[6]);

    expect(conn.received).toEqual([
      { realtimeInput: { activityStart: {} } },
      { realtimeInput: { audio: { data: b64(chunks[0]!), mimeType: MIME_16K } } },
      { realtimeInput: { audio: { data: b64(chunks[1]!), mimeType: MIME_16K } } },
      { realtimeInput: { text: 'typed text' } },
      { realtimeInput: { audio: { data: b64(chunks[2]!), mimeType: MIME_16K } } },
      { realtimeInput: { activityEnd: {} } },
      { realtimeInput: { audioStreamEnd: true } },
      { clientContent: { turns: [{ parts: [{ text: 'hello' }], role: 'user' }], turnComplete: true } },
      {
        toolResponse: {
          functionResponses: [{ id: 'call-1', name: 'get_weather', response: { output: { temp: 21 } } }],
        },
      },
    ]);
    expect(conn.receivedAudio().equals(Buffer.concat(chunks))).toBe(true);
    expect(conn.receivedAudio().length).toBe(3 * 1280);
    expect(conn.protocolErrors).toEqual([]);
    session.close();
  });

  it('waitFor finds past and future frames, honours fromIndex, and rejects on timeout or close', async () => {
    server = await FakeLiveServer.start();
    const { session } = await connectSdk(server);
    const conn = await server.nextConnection();
    session.sendRealtimeInput({ text: 'one' });
    const past = await conn.waitFor(clientFrameIs.realtimeText);
    expect(past).toEqual({ realtimeInput: { text: 'one' } });

    const future = conn.waitFor(clientFrameIs.realtimeText, { fromIndex: 1 });
    session.sendRealtimeInput({ text: 'two' });
    expect(await future).toEqual({ realtimeInput: { text: 'two' } });

    await expect(conn.waitFor(clientFrameIs.toolResponse, { timeoutMs: 50 })).rejects.toThrow(/within 50 ms/);

    const beforeClose = conn.waitFor(clientFrameIs.toolResponse, { timeoutMs: 60_000 });
    session.close();
    await expect(beforeClose).rejects.toThrow(/socket closed \(1005\) before a matching client frame/);
    // already closed: a frame that did arrive is still found, a missing one fails at once
    expect(await conn.waitFor(clientFrameIs.realtimeText)).toEqual({ realtimeInput: { text: 'one' } });
    await expect(conn.waitFor(clientFrameIs.toolResponse)).rejects.toThrow(/socket closed/);
  });

  it('waitFor rejects when the predicate throws', async () => {
    server = await FakeLiveServer.start();
    const { session } = await connectSdk(server);
    const conn = await server.nextConnection();
    const failing = conn.waitFor(() => {
      throw new Error('bad predicate');
    });
    session.sendRealtimeInput({ text: 'x' });
    await expect(failing).rejects.toThrow('bad predicate');
    session.close();
  });

  it('records malformed client frames as protocol errors and keeps serving', async () => {
    server = await FakeLiveServer.start();
    const client = new WebSocket(`ws://127.0.0.1:${server.port}/raw?key=k`);
    const firstReply = new Promise<string>((resolve) =>
      client.once('message', (data) => resolve(String(data))),
    );
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));

    client.send('{"realtimeInput":{"text":"too early"}}'); // before setup
    client.send(JSON.stringify({ setup: { model: 'models/m' } }));
    client.send('{not json');
    client.send('[1,2]');
    client.send(Buffer.from('{"realtimeInput":{"text":"binary ok"}}'), { binary: true });
    const conn = await server.nextConnection();
    await conn.waitFor(clientFrameIs.realtimeText);

    expect(conn.apiKey).toBe('k');
    expect(conn.apiVersion).toBeUndefined();
    expect(conn.setup).toEqual({ model: 'models/m' });
    expect(conn.received).toEqual([{ realtimeInput: { text: 'binary ok' } }]);
    expect(conn.protocolErrors.map((error) => [error.message.split(':')[0], error.raw])).toEqual([
      ['text frame before setup', '{"realtimeInput":{"text":"too early"}}'],
      ['malformed JSON', '{not json'],
      ['frame is not a JSON object', '[1,2]'],
    ]);
    expect(await firstReply).toBe('{"setupComplete":{}}');
    client.close();
    await conn.closed;
  });
});
