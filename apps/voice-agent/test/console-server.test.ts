import { LIVE_RESUMPTION_HANDLE_KEY } from '@earshot/core';
import { type RedisServerHandle, startRedisServer } from '@earshot/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ConsoleServer } from '../src/index.js';
import { startTestConsole } from './helpers/test-console.js';

const TOKEN = 'console-test-token';

interface Frame {
  type: string;
  sessionId?: string;
  event?: { turnComplete?: boolean };
}

/** Opens `/live`, sends one typed turn, resolves with the frames once the turn completed. */
async function typedTurn(base: string, query: string, text: string): Promise<Frame[]> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}live?${query}`);
  const frames: Frame[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const frame = JSON.parse(String(data)) as Frame;
      frames.push(frame);
      if (frame.type === 'session') ws.send(JSON.stringify({ type: 'text', text }));
      if (frame.event?.turnComplete) resolve();
    });
    ws.on('error', reject);
    ws.on('close', (code, reason) => reject(new Error(`closed ${code} ${reason}`)));
  });
  ws.removeAllListeners('close');
  ws.close();
  return frames;
}

/** The status a WebSocket upgrade is refused with. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      reject(new Error('the upgrade was accepted'));
    });
    ws.on('error', () => {});
  });
}

describe('the console server', () => {
  let app: ConsoleServer;
  let close: () => Promise<void>;
  let base: string;
  const auth = { authorization: `Bearer ${TOKEN}` };
  beforeAll(async () => {
    ({ app, close } = await startTestConsole({ token: TOKEN, stack: { fakeReplyMs: 300 } }));
    base = app.url.replace(/\?.*$/, '');
  });
  afterAll(() => close());

  it('serves the page with the token for any query string, and refuses it without', async () => {
    expect(app.url).toBe(`${base}?token=${TOKEN}`);
    for (const query of [
      `?token=${TOKEN}`,
      `?token=${TOKEN}&session=abc`,
      `?session=x&token=${TOKEN}&utm=1`,
    ]) {
      const page = await fetch(`${base}${query}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="app">');
    }
    for (const query of ['', '?token=nope', `?token=${TOKEN}x`]) {
      const refused = await fetch(`${base}${query}`);
      expect(refused.status).toBe(401);
      expect(await refused.text()).toMatch(/Access token needed/);
    }
    expect((await fetch(`${base}nope?token=${TOKEN}`)).status).toBe(404);
    expect((await fetch(`${base}?token=${TOKEN}`, { method: 'POST' })).status).toBe(405);
  });

  it('serves the built assets (no data in them) without the token', async () => {
    const html = await (await fetch(app.url)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script as string, base));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(new URL('/assets/../../package.json', base))).status).toBe(404);
  });

  it('refuses the API and the bridge without the token, and the bridge from another origin', async () => {
    expect((await fetch(`${base}api/info`)).status).toBe(401);
    expect((await fetch(`${base}api/info`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const info = await (await fetch(`${base}api/info`, { headers: auth })).json();
    expect(info).toMatchObject({
      offline: true,
      userId: 'dev',
      appName: 'earshot-voice-agent',
      version: 'test',
    });
    const ws = base.replace('http', 'ws');
    expect(await upgradeStatus(`${ws}live`)).toBe(401);
    expect(await upgradeStatus(`${ws}live?token=wrong`)).toBe(401);
    expect(await upgradeStatus(`${ws}live?token=${TOKEN}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`${ws}elsewhere?token=${TOKEN}`)).toBe(404);
  });

  it('lists the user’s sessions and serves their state and recordings', async () => {
    const frames = await typedTurn(base, `token=${TOKEN}&user=alice&session=rec-1`, 'what time is it?');
    expect(frames[0]).toMatchObject({ type: 'session', sessionId: 'rec-1' });
    const api = (path: string, user = 'alice') =>
      fetch(`${base}api/${path}${path.includes('?') ? '&' : '?'}user=${user}`, { headers: auth });
    type List = { sessions: Array<{ id: string }> };
    const list = (await (await api('sessions')).json()) as List;
    expect(list.sessions.map((s) => s.id)).toContain('rec-1');
    expect(((await (await api('sessions', 'bob')).json()) as List).sessions).toEqual([]);

    // Recordings are stored when the turn ends; poll until the output one is there.
    let detail: { state: Record<string, unknown>; artifacts: string[] } = { state: {}, artifacts: [] };
    await expect
      .poll(
        async () => {
          detail = (await (await api('sessions/rec-1')).json()) as typeof detail;
          return detail.artifacts.some((a) => /output-\d+\.wav$/.test(a));
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    // The model's resumption handle is in the session state (resuming the session resumes the model).
    expect(detail.state[LIVE_RESUMPTION_HANDLE_KEY]).toMatch(/^scripted-/);
    const file = detail.artifacts.find((a) => /output-\d+\.wav$/.test(a)) as string;
    const wav = await api(`artifact?session=rec-1&file=${encodeURIComponent(file)}`);
    expect(wav.status).toBe(200);
    expect(wav.headers.get('content-type')).toBe('audio/wav');
    expect(
      Buffer.from(await wav.arrayBuffer())
        .subarray(0, 4)
        .toString(),
    ).toBe('RIFF');

    expect((await api('sessions/rec-1', 'bob')).status).toBe(404);
    expect((await api(`artifact?session=rec-1&file=${encodeURIComponent(file)}`, 'bob')).status).toBe(404);
    expect((await api('artifact?session=rec-1&file=..%2Fx')).status).toBe(400);
    expect((await api('artifact?session=rec-1&file=x&version=-1')).status).toBe(400);
    expect((await api('sessions/a%0Ab')).status).toBe(400);
    expect((await api('sessions/%E0%A4%A')).status).toBe(400);
    expect((await fetch(`${base}api/info?user=a%0Ab`, { headers: auth })).status).toBe(400);
    expect(
      (
        await fetch(
          `${base}api/artifact?session=rec-1&file=${encodeURIComponent(file)}&token=${TOKEN}&user=alice`,
        )
      ).status,
    ).toBe(200);
  });
});

describe('the console server log', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.stop());

  it('logs a conversation that fails because Redis died', async () => {
    const lines: string[] = [];
    const { app, close } = await startTestConsole({
      token: TOKEN,
      log: (line) => lines.push(line),
      stack: { redisUrl: redis.url, fakeReplyMs: 200 },
    });
    try {
      await typedTurn(app.url.replace(/\?.*$/, ''), `token=${TOKEN}&session=ok-1`, 'hello');
      await redis.kill('SIGKILL');
      await typedTurn(app.url.replace(/\?.*$/, ''), `token=${TOKEN}&session=dead-1`, 'hello').catch(() => {});
      await expect.poll(() => lines.join('\n'), { timeout: 15_000 }).toMatch(/conversation dev\/dead-1: .+/);
    } finally {
      await close();
    }
  });
});
