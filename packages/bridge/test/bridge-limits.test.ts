import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { BridgeLimitError, type HistoryFrame } from '../src/index.js';
import { type BridgeFixture, type BridgeFixtureOptions, startBridge } from './helpers/bridge-fixture.js';
import { echoModel, say } from './helpers/echo-model.js';
import { MiB, retainedBytes } from './helpers/memory.js';
import { TestClient } from './helpers/test-client.js';

let fixture: BridgeFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

/** A bridge with the echo model and one bystander conversation that must survive every breach. */
async function withBystander(options: BridgeFixtureOptions = {}) {
  fixture = await startBridge({ model: echoModel, ...options });
  const bystander = await TestClient.connect(fixture.url('carol'));
  await say(bystander, 'before');
  return { fixture, bystander };
}

const breaches = (limit: string) =>
  fixture!.reported.filter((r) => r.error instanceof BridgeLimitError && r.error.limit === limit);

describe('limits: each breach closes only that socket', () => {
  it('a frame over maxFrameBytes closes 1009 without buffering it; invalid UTF-8 closes 1007', async () => {
    const { bystander } = await withBystander({ limits: { maxFrameBytes: 64 * 1024 } });
    const big = await TestClient.connect(fixture!.url('mallory'));
    big.ws.send(Buffer.alloc(64 * 1024 + 2), { binary: true });
    expect((await big.closed).code).toBe(1009);

    // A 50 MB frame from another process, so this process's memory is the server's alone.
    const before = await retainedBytes();
    expect(await closeCodeOfHugeFrameFromChild(fixture!.url('mallory'), 50 * MiB)).toBe(1009);
    // ws checks the length in the frame header: the server never holds the 50 MB.
    expect((await retainedBytes()) - before).toBeLessThan(8 * MiB);

    const utf8 = await TestClient.connect(fixture!.url('mallory'));
    utf8.ws.send(Buffer.from([0xff]), { binary: false });
    expect((await utf8.closed).code).toBe(1007);
    await say(bystander, 'after');
    expect(fixture!.bridge.connections).toBe(1);
  });

  it('more frames than messagesPerSecond + burst closes 4002', async () => {
    const { bystander } = await withBystander({ limits: { messagesPerSecond: 20, messageBurst: 20 } });
    const flood = await TestClient.connect(fixture!.url('mallory'));
    for (let i = 0; i < 100; i++) flood.ws.send(Buffer.alloc(2), { binary: true });
    const closed = await flood.closed;
    expect(closed.code).toBe(4002);
    expect(closed.reason).toMatch(/frames/);
    expect(breaches('messagesPerSecond')).toHaveLength(1);
    await say(bystander, 'after');
  });

  it('more bytes than bytesPerSecond closes 4002', async () => {
    const { bystander } = await withBystander({ limits: { bytesPerSecond: 10_000, maxFrameBytes: 4096 } });
    const flood = await TestClient.connect(fixture!.url('mallory'));
    for (let i = 0; i < 5; i++) flood.ws.send(Buffer.alloc(4000), { binary: true });
    expect((await flood.closed).code).toBe(4002);
    expect(breaches('bytesPerSecond')).toHaveLength(1);
    await say(bystander, 'after');
  });

  it('a silent client is closed 4001 after idleTimeoutMs; one that keeps talking is not', async () => {
    fixture = await startBridge({ model: echoModel, limits: { idleTimeoutMs: 400 } });
    const active = await TestClient.connect(fixture.url('carol'));
    const keepAlive = setInterval(() => active.ws.send(Buffer.alloc(640), { binary: true }), 100);
    try {
      const silent = await TestClient.connect(fixture.url('mallory'));
      const closed = await silent.closed;
      expect(closed.code).toBe(4001);
      await say(active, 'still talking');
      expect(active.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      clearInterval(keepAlive);
    }
  });

  it('a client that answers no ping is terminated by the next one', async () => {
    const { bystander } = await withBystander({ limits: { pingIntervalMs: 200 } });
    const deaf = new WebSocket(fixture!.url('mallory'), { autoPong: false });
    const closed = new Promise<number>((resolve) => deaf.once('close', (code) => resolve(code)));
    deaf.on('error', () => {});
    expect(await closed).toBe(1006);
    expect(fixture!.reported.some((r) => /no pong/.test(r.error.message))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500)); // two more ping periods
    await say(bystander, 'after');
  });

  it('more than maxConnectionsPerUser sockets of one user closes 4005', async () => {
    const { bystander } = await withBystander({ limits: { maxConnectionsPerUser: 2 } });
    const a = await TestClient.connect(fixture!.url('mallory'));
    const b = await TestClient.connect(fixture!.url('mallory'));
    const c = await TestClient.open(fixture!.url('mallory'));
    expect((await c.closed).code).toBe(4005);
    expect(fixture!.fake.connections.length).toBeLessThanOrEqual(3); // carol, a, b: none for c
    await a.close();
    const d = await TestClient.connect(fixture!.url('mallory'));
    await say(d, 'room again');
    await Promise.all([b.close(), d.close()]);
    await say(bystander, 'after');
  });

  it('maxConnections refuses the upgrade with 503 before authenticating', async () => {
    let authentications = 0;
    fixture = await startBridge({
      model: echoModel,
      limits: { maxConnections: 2 },
      authenticate: (request) => {
        authentications++;
        return { userId: new URL(request.url ?? '/', 'http://x').searchParams.get('token')!.slice(4) };
      },
    });
    const a = await TestClient.connect(fixture.url('u1'));
    await TestClient.connect(fixture.url('u2'));
    const refused = await TestClient.open(fixture.url('u3')).catch(
      (error: { status?: number }) => error.status,
    );
    expect(refused).toBe(503);
    expect(authentications).toBe(2);
    await a.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await TestClient.connect(fixture.url('u3'));
    await say(again, 'in');
  });

  it('input piling up for a model that does not answer closes 4004', async () => {
    fixture = await startBridge({
      fakePlan: { withholdSetupComplete: true },
      connectTimeoutMs: 3_000,
      limits: { maxPendingInput: 10 },
    });
    const other = await TestClient.connect(fixture.url('carol'));
    const flood = await TestClient.connect(fixture.url('mallory'));
    for (let i = 0; i < 30; i++) flood.ws.send(Buffer.alloc(640), { binary: true });
    expect((await flood.closed).code).toBe(4004);
    expect(breaches('maxPendingInput')).toHaveLength(1);
    expect(other.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('text over maxTextChars and audio over maxAudioFrameBytes are refused, not fatal', async () => {
    const { bystander } = await withBystander({ limits: { maxTextChars: 10, maxAudioFrameBytes: 640 } });
    bystander.sendJson({ type: 'text', text: 'x'.repeat(11) });
    bystander.ws.send(Buffer.alloc(642), { binary: true });
    await bystander.until(() => bystander.json.filter((f) => f.type === 'error').length === 2);
    expect(bystander.json.filter((f) => f.type === 'error').map((f) => f.type === 'error' && f.code)).toEqual(
      ['invalid_argument', 'invalid_argument'],
    );
    await say(bystander, 'short');
  });

  it('history is bounded by historyEvents and maxHistoryBytes (truncated: true)', async () => {
    fixture = await startBridge({ model: echoModel, limits: { historyEvents: 3 } });
    const first = await TestClient.connect(fixture.url('alice'));
    for (const text of ['one', 'two', 'three']) await say(first, text);
    const { sessionId } = first.session;
    await first.close();
    const again = await TestClient.connect(fixture.url('alice', sessionId));
    const history = again.json[1] as HistoryFrame;
    expect(history.truncated).toBe(true);
    expect(history.events).toHaveLength(3);
    const stored = await fixture.sessionService.getSession({ appName: 'app', userId: 'alice', sessionId });
    expect(history.events.map((e) => e.id)).toEqual(stored!.events.slice(-3).map((e) => e.id));
    await again.close();
    await fixture.stop();

    fixture = await startBridge({ model: echoModel, limits: { maxHistoryBytes: 600 } });
    const talk = await TestClient.connect(fixture.url('alice'));
    for (const text of ['one', 'two', 'three']) await say(talk, text);
    await talk.close();
    const bounded = await TestClient.connect(fixture.url('alice', talk.session.sessionId));
    const frame = bounded.json[1] as HistoryFrame;
    expect(frame.truncated).toBe(true);
    expect(frame.events.length).toBeGreaterThan(0);
    expect(JSON.stringify(frame.events).length).toBeLessThanOrEqual(600);
    await bounded.close();
  });

  it('an authenticate that hangs past authTimeoutMs gets 503', async () => {
    fixture = await startBridge({
      limits: { authTimeoutMs: 200 },
      authenticate: () => new Promise(() => {}),
    });
    const status = await TestClient.open(fixture.url('alice')).catch(
      (error: { status?: number }) => error.status,
    );
    expect(status).toBe(503);
    expect(fixture.bridge.connections).toBe(0);
  });

  it('the same user opening the same session again replaces the old socket (4006)', async () => {
    fixture = await startBridge({ model: echoModel });
    const tab1 = await TestClient.connect(fixture.url('alice', 'the-session'));
    await say(tab1, 'from tab 1');
    const tab2 = await TestClient.connect(fixture.url('alice', 'the-session'));
    expect((await tab1.closed).code).toBe(4006);
    await say(tab2, 'from tab 2');
    expect(tab2.session.created).toBe(false);
    await tab2.close();
  });
});

describe('limit options', () => {
  it('rejects unknown or non-integer limits with InvalidArgumentError', async () => {
    await expect(startBridge({ limits: { maxFrameBytes: 0 } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(startBridge({ limits: { nope: 1 } as never })).rejects.toMatchObject({
      field: 'limits.nope',
    });
  });
});

/** Sends one binary frame of `bytes` from a child process; resolves with the close code it saw. */
function closeCodeOfHugeFrameFromChild(url: string, bytes: number): Promise<number> {
  const script = `
    const { WebSocket } = require('ws');
    const ws = new WebSocket(${JSON.stringify(url)});
    ws.on('error', () => {});
    ws.on('open', () => ws.send(Buffer.alloc(${bytes}), { binary: true }));
    ws.on('close', (code) => { console.log(code); process.exit(0); });`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script],
      { cwd: import.meta.dirname, timeout: 20_000 },
      (error, stdout) => {
        if (error) reject(error);
        else resolve(Number(stdout.trim()));
      },
    );
  });
}
