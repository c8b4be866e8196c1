import { afterEach, describe, expect, it } from 'vitest';
import { FakeLiveServer } from '../src/live/index.js';
import { connectSdk, eventually, startConnect } from './live-sdk-helpers.js';

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Long enough for a healthy loopback connect() to settle many times over on a busy machine. */
const PENDING_FOR_MS = 300;

describe('FakeLiveServer: planned connection faults', () => {
  it('rejectUpgradeStatus 403: SDK onerror and onclose(1006) fire, connect() never settles', async () => {
    server = await FakeLiveServer.start();
    server.planConnection({ rejectUpgradeStatus: 403 });
    const { sdk, settledWithin } = startConnect(server);
    expect(await sdk.untilClosed()).toMatchObject({ code: 1006 });
    expect(sdk.errors.join()).toMatch(/Unexpected server response: 403/);
    expect(await settledWithin(PENDING_FOR_MS)).toBe(false);
    expect(server.connections).toEqual([]);
    expect(server.rejectedUpgrades).toMatchObject([
      { status: 403, url: expect.stringContaining('key=test-key') },
    ]);

    // plans are consumed one per connection: the next one is accepted normally
    const { session } = await connectSdk(server);
    expect((await server.nextConnection()).index).toBe(0);
    session.close();
  });

  it('withholdSetupComplete: setup is recorded, connect() stays pending until the server drops it', async () => {
    server = await FakeLiveServer.start();
    server.planConnection({ withholdSetupComplete: true });
    const { sdk, settledWithin } = startConnect(server);
    const conn = await server.nextConnection();
    expect(conn.setup).toEqual({ model: 'models/gemini-live-2.5-flash-preview' });
    expect(await settledWithin(PENDING_FOR_MS)).toBe(false);
    expect(conn.sent).toEqual([]);
    expect(sdk.messages).toEqual([]);
    conn.terminate();
    expect(await sdk.untilClosed()).toMatchObject({ code: 1006 });
  });

  it('closeBeforeSetupComplete: the SDK sees that close code and reason, connect() never settles', async () => {
    server = await FakeLiveServer.start();
    server.planConnection({ closeBeforeSetupComplete: { code: 1008, reason: 'policy: bad key' } });
    const { sdk, settledWithin } = startConnect(server);
    expect(await sdk.untilClosed()).toEqual({ code: 1008, reason: 'policy: bad key' });
    const conn = await server.nextConnection();
    expect(await conn.closed).toEqual({ code: 1008, reason: 'policy: bad key', byClient: false });
    expect(await settledWithin(PENDING_FOR_MS)).toBe(false);
    expect(conn.sent).toEqual([]);
  });
});

describe('FakeLiveServer: dropping a live connection', () => {
  it('close(1011) mid-stream: frames before it arrive, then SDK onclose gets 1011 and the reason', async () => {
    server = await FakeLiveServer.start({ frames: 'binary' });
    const { sdk } = await connectSdk(server);
    const conn = await server.nextConnection();
    conn.sendOutputTranscription('half a sen');
    conn.close(1011, 'fake internal error');
    expect(await sdk.untilClosed()).toEqual({ code: 1011, reason: 'fake internal error' });
    expect(sdk.messages.map((message) => message.serverContent?.outputTranscription?.text)).toEqual([
      undefined, // setupComplete
      'half a sen',
    ]);
    expect(await conn.closed).toEqual({ code: 1011, reason: 'fake internal error', byClient: false });
    expect(conn.isOpen).toBe(false);
  });

  it('close(1012) and the default close(1000) reach the SDK as sent', async () => {
    server = await FakeLiveServer.start();
    const first = await connectSdk(server);
    const second = await connectSdk(server);
    (await server.nextConnection()).close(1012, 'restarting');
    (await server.nextConnection()).close();
    expect(await first.sdk.untilClosed()).toEqual({ code: 1012, reason: 'restarting' });
    expect(await second.sdk.untilClosed()).toEqual({ code: 1000, reason: '' });
  });

  it('terminate(): abrupt drop, the SDK sees 1006', async () => {
    server = await FakeLiveServer.start();
    const { sdk } = await connectSdk(server);
    const conn = await server.nextConnection();
    conn.terminate();
    expect(await sdk.untilClosed()).toMatchObject({ code: 1006 });
    expect(await conn.closed).toMatchObject({ code: 1006, byClient: false });
  });

  it('sendRaw garbage reaches the client (the SDK rejects unhandled) and the connection lives on', async () => {
    server = await FakeLiveServer.start();
    const { session, sdk } = await connectSdk(server);
    const conn = await server.nextConnection();

    // The SDK's JSON.parse of the garbage rejects with nobody to catch it. With a listener of
    // ours registered, vitest leaves that rejection to us instead of failing the run.
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => {
      rejections.push(reason);
    };
    process.on('unhandledRejection', onRejection);
    try {
      conn.sendRaw('this is {not json');
      await eventually(() => rejections.length > 0, 'the SDK unhandled rejection');
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toBeInstanceOf(SyntaxError);

    conn.sendText('still alive');
    await sdk.until(() => sdk.messages.length === 2, 'the frame after the garbage');
    expect(sdk.messages[1]?.serverContent?.modelTurn?.parts?.[0]?.text).toBe('still alive');
    expect(conn.isOpen).toBe(true);
    session.close();
  });
});
