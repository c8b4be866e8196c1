import { afterEach, describe, expect, it } from 'vitest';
import {
  clientFrameIs,
  type FakeLiveConnection,
  FakeLiveServer,
  liveServerFrames,
} from '../src/live/index.js';
import { connectSdk, eventually } from './live-sdk-helpers.js';

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const textOf = (message: { serverContent?: { modelTurn?: { parts?: Array<{ text?: string }> } } }) =>
  message.serverContent?.modelTurn?.parts?.[0]?.text;

describe('FakeLiveServer: scripts', () => {
  it('a planned script plays right after setupComplete and waits for the client where told', async () => {
    server = await FakeLiveServer.start();
    server.planConnection({
      script: [
        { send: liveServerFrames.text('greeting') },
        { waitFor: clientFrameIs.clientContent },
        { send: liveServerFrames.text('answer'), binary: true },
        { delayMs: 20 },
        { raw: JSON.stringify(liveServerFrames.turnComplete()) },
        { close: { code: 1000, reason: 'script done' } },
      ],
    });
    const { session, sdk } = await connectSdk(server);
    await sdk.until(() => sdk.messages.length === 2, 'the greeting');
    // the script is parked on its waitFor step: nothing more comes until the client speaks
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sdk.messages).toHaveLength(2);

    session.sendClientContent({ turns: 'question' });
    expect(await sdk.untilClosed()).toEqual({ code: 1000, reason: 'script done' });
    expect(sdk.messages.map(textOf)).toEqual([undefined, 'greeting', 'answer', undefined]);
    expect(sdk.messages[3]?.serverContent?.turnComplete).toBe(true);
    const conn = server.connections[0]!;
    expect(typeof conn.sent[2]).toBe('object'); // the binary step went out as a Buffer
    expect(conn.errors).toEqual([]);
  });

  it('conn.play runs steps in order, including run and terminate steps', async () => {
    server = await FakeLiveServer.start();
    const { session, sdk } = await connectSdk(server);
    const conn = await server.nextConnection();
    const seen: number[] = [];
    const playing = conn.play([
      { run: (c) => c.sendText('one') },
      { waitFor: clientFrameIs.realtimeText, timeoutMs: 10_000 },
      { run: async (c) => seen.push(c.received.length) },
      { send: { serverContent: { modelTurn: { parts: [{ text: 'two' }] } } } },
      { terminate: true },
    ]);
    await sdk.until(() => sdk.messages.length === 2, 'the first step');
    session.sendRealtimeInput({ text: 'go' });
    await playing;
    expect(seen).toEqual([1]);
    expect(await sdk.untilClosed()).toMatchObject({ code: 1006 });
    expect(sdk.messages.map(textOf)).toEqual([undefined, 'one', 'two']);
  });

  it('a failing planned script step is recorded on the connection with its position', async () => {
    server = await FakeLiveServer.start();
    server.planConnection({ script: [{ waitFor: clientFrameIs.toolResponse, timeoutMs: 30 }] });
    const { session } = await connectSdk(server);
    const conn = await server.nextConnection();
    await eventually(() => conn.errors.length > 0, 'the script failure');
    expect(conn.errors[0]?.message).toMatch(/^script step 0 \(waitFor\) failed: .*within 30 ms/);
    expect(server.errors).toEqual(conn.errors);
    session.close();
  });

  it('a delay step ends early when the socket closes, so no timer outlives the connection', async () => {
    server = await FakeLiveServer.start();
    const { session } = await connectSdk(server);
    const conn = await server.nextConnection();
    const started = Date.now();
    const playing = conn.play([{ delayMs: 60_000 }, { send: liveServerFrames.text('after') }]);
    session.close();
    await playing;
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(conn.droppedSends).toHaveLength(1);
  });
});

describe('FakeLiveServer: onConnection handlers', () => {
  it('runs for every connection after setupComplete; failures are recorded, never thrown', async () => {
    server = await FakeLiveServer.start();
    const handled: Array<{ index: number; sentBefore: number }> = [];
    server.onConnection((conn: FakeLiveConnection) => {
      handled.push({ index: conn.index, sentBefore: conn.sent.length });
      conn.sendText(`hello ${conn.index}`);
    });
    const unsubscribe = server.onConnection(async (conn) => {
      if (conn.index === 1) throw new Error('handler failed');
    });
    server.planConnection({ withholdSetupComplete: true }); // never answered: no handler runs

    const withheld = connectSdk(server);
    withheld.catch(() => {});
    const stalled = await server.nextConnection();
    const first = await connectSdk(server);
    await first.sdk.until(() => first.sdk.messages.length === 2, 'hello 1');
    expect(textOf(first.sdk.messages[1]!)).toBe('hello 1');
    await eventually(() => server!.errors.length === 1, 'the handler failure');
    expect(server.connections[1]?.errors.map((error) => error.message)).toEqual(['handler failed']);

    unsubscribe();
    const second = await connectSdk(server);
    await second.sdk.until(() => second.sdk.messages.length === 2, 'hello 2');
    expect(handled).toEqual([
      { index: 1, sentBefore: 1 },
      { index: 2, sentBefore: 1 },
    ]);
    expect(server.errors).toHaveLength(1);
    stalled.terminate();
    first.session.close();
    second.session.close();
  });
});
