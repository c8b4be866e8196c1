import { afterEach, describe, expect, it } from 'vitest';
import { FakeLiveServer, pcm16Tone } from '../src/live/index.js';
import { connectSdk } from './live-sdk.js';

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
});

describe('smoke', () => {
  it('connects and exchanges', async () => {
    server = await FakeLiveServer.start();
    const { session, sdk } = await connectSdk(server);
    const conn = await server.nextConnection();
    const pcm = pcm16Tone({ ms: 40, rate: 16000 });
    session.sendRealtimeInput({ audio: { data: pcm.toString('base64'), mimeType: 'audio/pcm;rate=16000' } });
    await conn.waitFor((f) => f.realtimeInput?.audio !== undefined);
    expect(conn.receivedAudio().equals(pcm)).toBe(true);
    conn.sendText('hi');
    await sdk.until(() => sdk.messages.length === 2, 'text');
    conn.close(1011, 'boom');
    expect(await sdk.untilClosed()).toEqual({ code: 1011, reason: 'boom' });
    console.log(conn.url, conn.apiKey, conn.apiVersion, await conn.closed);
  });
});
