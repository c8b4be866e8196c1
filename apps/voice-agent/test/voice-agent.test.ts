import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pcm16Tone } from '@earshot/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  APP_NAME,
  createStack,
  runDemo,
  type Stack,
  startVoiceAgentServer,
  type VoiceAgentServer,
} from '../src/index.js';

const run = promisify(execFile);

describe('the browser bridge', () => {
  let stack: Stack;
  let app: VoiceAgentServer;
  beforeAll(async () => {
    stack = await createStack({ fakeReplyMs: 400 });
    app = await startVoiceAgentServer({ runner: stack.runner, runConfig: { saveLiveAudio: true } });
  });
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  it('serves the page', async () => {
    const response = await fetch(app.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Hold to talk');
    expect((await fetch(new URL('/nope', app.url))).status).toBe(404);
  });

  it('streams mic audio in and model audio + events out, and persists the conversation', async () => {
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}live?session=bridge-1&user=alice`);
    const audio: Buffer[] = [];
    const messages: Array<{ type: string; event?: Record<string, unknown> }> = [];
    const turnComplete = new Promise<void>((resolve, reject) => {
      ws.on('message', (data, isBinary) => {
        if (isBinary) return audio.push(data as Buffer);
        const message = JSON.parse(String(data));
        messages.push(message);
        if (message.event?.turnComplete) resolve();
      });
      ws.on('error', reject);
    });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'activityStart' }));
    for (let i = 0; i < 10; i++) ws.send(pcm16Tone({ ms: 40, rate: 16_000, seed: i }), { binary: true });
    ws.send(JSON.stringify({ type: 'activityEnd' }));
    await turnComplete;

    // 400 ms of 24 kHz 16-bit mono, byte-exact with what the scripted model sent.
    const expected = Buffer.concat(
      Array.from({ length: 10 }, (_, i) => pcm16Tone({ ms: 40, rate: 24_000, seed: 1000 + i })),
    );
    expect(Buffer.concat(audio).equals(expected)).toBe(true);
    expect(messages[0]).toEqual({ type: 'session', userId: 'alice', sessionId: 'bridge-1' });
    const events = messages.flatMap((m) => (m.event ? [m.event] : []));
    expect(events.some((e) => JSON.stringify(e).includes('"functionCall"'))).toBe(true);
    expect(events.every((e) => !JSON.stringify(e).includes('inlineData'))).toBe(true);

    ws.send('{"type":"nonsense"}');
    await new Promise<void>((resolve) => {
      ws.on('message', (data, isBinary) => {
        if (!isBinary && JSON.parse(String(data)).type === 'error') resolve();
      });
    });
    ws.close();
    await expect.poll(() => app.bridge.activeRuns, { timeout: 15_000 }).toBe(0);

    const session = await stack.sessionService.getSession({
      appName: APP_NAME,
      userId: 'alice',
      sessionId: 'bridge-1',
    });
    const kinds = session?.events.map((e) =>
      e.content?.parts?.[0]?.functionCall
        ? 'call'
        : e.content?.parts?.[0]?.functionResponse
          ? 'result'
          : e.content?.parts?.[0]?.fileData
            ? 'recording'
            : e.inputTranscription
              ? 'heard'
              : e.outputTranscription
                ? 'said'
                : e.turnComplete
                  ? 'turnComplete'
                  : 'other',
    );
    expect(kinds?.slice(0, 4)).toEqual(['heard', 'call', 'result', 'said']);
    expect(kinds).toContain('turnComplete');
    expect(kinds?.filter((k) => k === 'recording').length).toBeGreaterThanOrEqual(2);
  });

  it('takes typed text as a user turn', async () => {
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}live?session=typed-1&user=bob`);
    const turnComplete = new Promise<void>((resolve) => {
      ws.on('message', (data, isBinary) => {
        if (!isBinary && JSON.parse(String(data)).event?.turnComplete) resolve();
      });
    });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'text', text: 'What time is it?' }));
    await turnComplete;
    ws.close();
    await expect.poll(() => app.bridge.activeRuns, { timeout: 15_000 }).toBe(0);
    const session = await stack.sessionService.getSession({
      appName: APP_NAME,
      userId: 'bob',
      sessionId: 'typed-1',
    });
    const typed = session?.events.find((e) => e.author === 'user' && e.content?.parts?.[0]?.text);
    expect(typed?.content?.parts?.[0]?.text).toBe('What time is it?');
  });

  it('refuses a control character in the session id', async () => {
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}live?session=a%0Ab`);
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(1008);
  });
});

describe('the offline demo', () => {
  it('runs a two-turn conversation and writes WAV files that sox reads', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'earshot-demo-'));
    try {
      const result = await runDemo({ outDir, turns: 2, fakeReplyMs: 400, log: () => {} });
      expect(result.persisted).toBeGreaterThan(10);
      const names = result.recordings.map((f) => f.replace(/.*_/, '').replace(/-\d+\.wav$/, ''));
      expect(names.sort()).toEqual(['input', 'input', 'mixdown', 'output', 'output']);
      for (const file of result.recordings) {
        expect((await readFile(file)).subarray(0, 4).toString()).toBe('RIFF');
        const { stdout } = await run('sox', ['--i', file]);
        expect(stdout).toMatch(/Sample Encoding: 16-bit Signed Integer PCM/);
      }
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
