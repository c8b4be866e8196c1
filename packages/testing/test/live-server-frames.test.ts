import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeLiveServer, liveServerFrames, pcm16Tone } from '../src/live/index.js';
import { connectSdk } from './live-sdk-helpers.js';

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each(['text', 'binary'] as const)(
  'FakeLiveServer: every server frame kind (%s frames)',
  (frames) => {
    it('reaches the SDK onmessage in order, exactly as sent', async () => {
      server = await FakeLiveServer.start({ frames });
      const { session, sdk } = await connectSdk(server);
      const conn = await server.nextConnection();
      const audio = pcm16Tone({ ms: 40, rate: 24_000, seed: 7 });
      const usage = { promptTokenCount: 10, responseTokenCount: 5, totalTokenCount: 15 };

      conn.sendAudio(audio);
      conn.sendAudio(audio.subarray(0, 320), { rate: 16_000 });
      conn.sendText('some text');
      conn.sendInputTranscription('hello the');
      conn.sendInputTranscription('re', { finished: true });
      conn.sendOutputTranscription('Hi there', { finished: false });
      conn.sendGenerationComplete();
      conn.sendTurnComplete();
      conn.sendInterrupted();
      conn.sendToolCall([{ id: 'call-1', name: 'get_weather', args: { city: 'Paris' } }]);
      conn.sendToolCallCancellation(['call-1']);
      conn.sendUsage(usage);
      conn.sendResumptionUpdate('handle-2');
      conn.sendResumptionUpdate('handle-3', { resumable: false });
      conn.sendGoAway();
      conn.sendGoAway('2s');
      conn.send({ serverContent: { turnComplete: true }, usageMetadata: { totalTokenCount: 3 } });
      const expected = [
        { setupComplete: {} },
        {
          serverContent: {
            modelTurn: {
              parts: [{ inlineData: { mimeType: 'audio/pcm;rate=24000', data: audio.toString('base64') } }],
            },
          },
        },
        {
          serverContent: {
            modelTurn: {
              parts: [
                {
                  inlineData: {
                    mimeType: 'audio/pcm;rate=16000',
                    data: audio.subarray(0, 320).toString('base64'),
                  },
                },
              ],
            },
          },
        },
        { serverContent: { modelTurn: { parts: [{ text: 'some text' }] } } },
        { serverContent: { inputTranscription: { text: 'hello the' } } },
        { serverContent: { inputTranscription: { text: 're', finished: true } } },
        { serverContent: { outputTranscription: { text: 'Hi there', finished: false } } },
        { serverContent: { generationComplete: true } },
        { serverContent: { turnComplete: true } },
        { serverContent: { interrupted: true } },
        { toolCall: { functionCalls: [{ id: 'call-1', name: 'get_weather', args: { city: 'Paris' } }] } },
        { toolCallCancellation: { ids: ['call-1'] } },
        { usageMetadata: usage },
        { sessionResumptionUpdate: { newHandle: 'handle-2', resumable: true } },
        { sessionResumptionUpdate: { newHandle: 'handle-3', resumable: false } },
        { goAway: { timeLeft: '10s' } },
        { goAway: { timeLeft: '2s' } },
        { serverContent: { turnComplete: true }, usageMetadata: { totalTokenCount: 3 } },
      ];
      await sdk.until(() => sdk.messages.length >= expected.length, 'every server frame');

      expect(sdk.messages.map((message) => JSON.parse(JSON.stringify(message)))).toEqual(expected);
      const received = sdk.messages[1]?.serverContent?.modelTurn?.parts?.[0]?.inlineData?.data ?? '';
      expect(Buffer.from(received, 'base64').equals(audio)).toBe(true);
      // the server-side record of what went on the wire, in the requested encoding
      expect(conn.sent.every((frame) => typeof frame === (frames === 'text' ? 'string' : 'object'))).toBe(
        true,
      );
      expect(conn.sent.map((frame) => JSON.parse(frame.toString()))).toEqual(expected);
      session.close();
    });
  },
);

describe('FakeLiveServer: frame encodings and sends after close', () => {
  it('sends text or binary frames per server default, per send override and per sendRaw type', async () => {
    server = await FakeLiveServer.start({ frames: 'binary' });
    const client = new WebSocket(`ws://127.0.0.1:${server.port}//ws/x?key=k`);
    const frames: Array<{ binary: boolean; text: string }> = [];
    let notify = (): void => {};
    client.on('message', (data, isBinary) => {
      frames.push({ binary: isBinary, text: String(data) });
      notify();
    });
    const gotFrames = (count: number): Promise<void> =>
      new Promise((resolve) => {
        notify = () => {
          if (frames.length >= count) resolve();
        };
        notify();
      });
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    client.send(JSON.stringify({ setup: {} }));
    const conn = await server.nextConnection();
    conn.send({ a: 1 }, { binary: false });
    conn.send({ b: 2 });
    conn.sendRaw('raw text');
    conn.sendRaw(Buffer.from([0xff, 0x00, 0x7b]));
    await gotFrames(5);
    expect(frames.slice(0, 4)).toEqual([
      { binary: true, text: '{"setupComplete":{}}' },
      { binary: false, text: '{"a":1}' },
      { binary: true, text: '{"b":2}' },
      { binary: false, text: 'raw text' },
    ]);
    expect(frames[4]?.binary).toBe(true);
    client.close();
    await conn.closed;
  });

  it('never throws on a send after the socket closed: the frame is recorded in droppedSends', async () => {
    server = await FakeLiveServer.start();
    const { session } = await connectSdk(server);
    const conn = await server.nextConnection();
    session.close();
    expect(await conn.closed).toMatchObject({ byClient: true });
    expect(conn.isOpen).toBe(false);
    expect(() => {
      conn.sendText('too late');
      conn.sendRaw('late raw');
      conn.close(1011);
      conn.terminate();
    }).not.toThrow();
    expect(conn.droppedSends.map((dropped) => dropped.data)).toEqual([
      JSON.stringify(liveServerFrames.text('too late')),
      'late raw',
    ]);
    expect(conn.sent).toEqual(['{"setupComplete":{}}']);
  });
});
