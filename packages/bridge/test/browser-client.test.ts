import type { Socket } from 'node:net';
import { AudioAggregator } from '@earshot/audio';
import { InMemoryArtifactService } from '@earshot/core';
import { clientFrameIs, FakeLiveServer, pcm16Tone } from '@earshot/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Example, startExample } from '../examples/server.mjs';
import {
  type BrowserRig,
  bundleBrowserEntry,
  launchChromium,
  PLAYBACK_PROBE,
  tone,
  wavFile,
  zeroCrossingsPerSecond,
} from './helpers/browser.js';

interface Scheduled {
  when: number;
  duration: number;
  rate: number;
  at: number;
}

const TONE_HZ = 440;
let rig: BrowserRig;
let fake: FakeLiveServer;
let example: Example;
let page: Page;
const artifacts = new InMemoryArtifactService();
const upgradeSockets: Socket[] = [];

beforeAll(async () => {
  rig = await launchChromium(wavFile(tone(TONE_HZ, 2_000, 16_000)));
  fake = await FakeLiveServer.start({ frames: 'binary' });
  fake.onConnection(async (conn) => {
    if (conn.index > 0) return; // a reconnect: nothing to say
    await conn.waitFor(clientFrameIs.activityEnd, { timeoutMs: 60_000 });
    conn.sendInputTranscription('a tone', { finished: true });
    for (let i = 0; i < 10; i++) conn.sendAudio(pcm16Tone({ ms: 100, rate: 24_000, seed: i + 1 }));
    conn.sendOutputTranscription('first answer', { finished: true });
    conn.sendTurnComplete();
    await conn.waitFor(clientFrameIs.clientContent, { timeoutMs: 60_000 });
    for (let i = 0; i < 30; i++) conn.sendAudio(pcm16Tone({ ms: 100, rate: 24_000, seed: i + 20 }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    conn.sendInterrupted();
  });
  example = await startExample({
    port: 0,
    token: 'browser-test-token',
    apiKey: 'test-key',
    baseUrl: fake.baseUrl,
    clientModule: await bundleBrowserEntry(rig.dir),
    runnerOptions: { audioRecorder: new AudioAggregator({ artifactService: artifacts }) },
    runConfig: { saveLiveAudio: true },
  });
  example.server.prependListener('upgrade', (_request, socket: Socket) => upgradeSockets.push(socket));
  const context = await rig.browser.newContext();
  await context.addInitScript(PLAYBACK_PROBE);
  page = await context.newPage();
  page.on('pageerror', (error) => console.error('[page]', error));
}, 60_000);

afterAll(async () => {
  await rig?.close();
  await example?.close();
  await fake?.close();
});

const text = (id: string) => page.locator(`#${id}`).textContent();
/** Waits until a JavaScript expression is true in the page (strings: this file has no DOM types). */
const until = (expression: string, timeout = 15_000) =>
  page.waitForFunction(expression, undefined, { timeout });
const logHas = (fragment: string) =>
  until(`document.getElementById('log').textContent.includes(${JSON.stringify(fragment)})`);

describe('the browser client in Chromium (fake microphone)', () => {
  it('push-to-talk sends the microphone at 16 kHz in 40 ms frames; the server records it', async () => {
    await page.goto(example.url);
    await page.click('#connect');
    await until(`document.getElementById('state').textContent === 'open'`);
    await until(`parseFloat(document.getElementById('level').style.width) > 0`);
    const talk = page.locator('#talk');
    await talk.hover();
    await page.mouse.down();
    await page.waitForTimeout(1_500);
    await page.mouse.up();

    const conn = await fake.nextConnection({ timeoutMs: 20_000 });
    await conn.waitFor(clientFrameIs.activityEnd, { timeoutMs: 20_000 });
    const audio = conn.receivedAudio();
    const seconds = audio.length / 32_000;
    const frames = conn.received.filter(clientFrameIs.audio);
    console.log(
      `[browser] held 1.5 s: server got ${audio.length} bytes = ${seconds.toFixed(2)} s in ${frames.length} frames`,
    );
    expect(seconds).toBeGreaterThan(1.2);
    expect(seconds).toBeLessThan(2.0);
    // Whole 40 ms frames (1 280 bytes), except the tail sent on release.
    const sizes = frames.map((f) => Buffer.from(f.realtimeInput!.audio!.data!, 'base64').length);
    expect(sizes.slice(0, -1).every((size) => size === 1_280)).toBe(true);
    // Resampled right: the 440 Hz tone is still 440 Hz at 16 kHz.
    const hz = zeroCrossingsPerSecond(audio, 16_000) / 2;
    expect(hz).toBeGreaterThan(TONE_HZ * 0.9);
    expect(hz).toBeLessThan(TONE_HZ * 1.1);
    expect(conn.received.findIndex(clientFrameIs.activityStart)).toBeLessThan(
      conn.received.findIndex(clientFrameIs.audio),
    );

    // The recording (flushed at turnComplete) holds exactly what the browser sent.
    await logHas('agent: first answer');
    const sessionId = new URL(page.url()).searchParams.get('session')!;
    const scope = { appName: 'bridge-example', userId: 'example-user', sessionId };
    await expect
      .poll(async () => (await artifacts.listArtifactKeys(scope)).some((k) => k.includes('/input-')))
      .toBe(true);
    const input = (await artifacts.listArtifactKeys(scope)).find((k) => k.includes('/input-'))!;
    const wav = await artifacts.loadArtifact({ ...scope, filename: input });
    expect(Buffer.from(wav!.inlineData!.data!, 'base64').subarray(44).equals(audio)).toBe(true);
  });

  it('schedules model audio gap-free at 24 kHz', async () => {
    await until('window.__scheduled.length >= 10');
    const scheduled = (await page.evaluate('window.__scheduled')) as Scheduled[];
    expect(scheduled).toHaveLength(10);
    for (const [i, chunk] of scheduled.entries()) {
      expect(chunk.rate).toBe(24_000);
      expect(chunk.duration).toBeCloseTo(0.1, 6);
      if (i > 0) expect(chunk.when).toBeCloseTo(scheduled[i - 1]!.when + scheduled[i - 1]!.duration, 6);
    }
    expect(await text('playback')).toBe('playing');
    await until(`document.getElementById('playback').textContent === 'silent'`);
  });

  it('stops playback at once on interrupted', async () => {
    await page.fill('#text', 'interrupt me');
    await page.press('#text', 'Enter');
    await until('window.__scheduled.length >= 40');
    await logHas('[interrupted]');
    const state = (await page.evaluate(`(() => {
      const last = window.__scheduled.at(-1);
      return { stopped: window.__stopped, queuedAheadS: last.when + last.duration - window.__audioContext.currentTime };
    })()`)) as { stopped: number; queuedAheadS: number };
    // Three seconds were scheduled, half a second passed: the rest was cut, not played out.
    expect(state.queuedAheadS).toBeGreaterThan(1);
    expect(state.stopped).toBeGreaterThan(0);
    expect(await text('playback')).toBe('silent');
  });

  it('reconnects after a dropped connection and resumes the same session with its history', async () => {
    const sessionId = new URL(page.url()).searchParams.get('session')!;
    upgradeSockets.at(-1)!.destroy(); // the network drops: no close frame
    await logHas('[reconnecting');
    await until(`document.getElementById('state').textContent === 'open'`, 20_000);
    expect(new URL(page.url()).searchParams.get('session')).toBe(sessionId);
    const log = (await text('log')) ?? '';
    expect(log.match(new RegExp(`\\[session ${sessionId}`, 'g'))).toHaveLength(2);
    // The history frame replayed the persisted answer.
    expect(log.match(/agent: first answer/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('hands-free streams the microphone without activity signals until the microphone stops', async () => {
    const token = new URL(example.url).searchParams.get('token')!;
    const handsFree = await page.context().newPage();
    handsFree.on('pageerror', (error) => console.error('[hands-free page]', error));
    handsFree.on('console', (message) => console.log('[hands-free console]', message.text()));
    const connections = fake.connections.length;
    // The example's page, driven from the test: a second client on the same module, hands-free.
    await handsFree.goto(example.url);
    await handsFree.evaluate(`(async () => {
      const { LiveBridgeClient } = await import('/bridge-client.js');
      const client = new LiveBridgeClient({ url: '/live?token=${token}', mode: 'hands-free' });
      window.client = client;
      await client.connect();
      await client.startMicrophone();
    })()`);
    await expect.poll(() => fake.connections.length, { timeout: 15_000 }).toBeGreaterThan(connections);
    const conn = fake.connections.at(-1)!;
    await expect.poll(() => conn.receivedAudio().length, { timeout: 15_000 }).toBeGreaterThan(32_000); // > 1 s
    await handsFree.evaluate('window.client.stopMicrophone()');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = conn.receivedAudio().length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(conn.receivedAudio().length).toBe(stopped);
    expect(conn.received.some(clientFrameIs.activityStart)).toBe(false);
    // Closed for good: sending is a typed error, never a write into a closed socket.
    const afterClose = await handsFree.evaluate(`(() => {
      window.client.close();
      try { window.client.sendText('hello?'); return 'sent'; } catch (e) { return e.name + ':' + e.code + ':' + window.client.state; }
    })()`);
    expect(afterClose).toBe('BridgeClientError:not_open:closed');
    // close() during connect() settles it (a page awaiting connect() never hangs).
    const abandoned = await handsFree.evaluate(`(async () => {
      const { LiveBridgeClient } = await import('/bridge-client.js');
      const client = new LiveBridgeClient({ url: '/live?token=${token}' });
      const connecting = client.connect();
      client.close();
      return connecting.then(() => 'resolved', (e) => e.code);
    })()`);
    expect(abandoned).toBe('connect_failed');
    await handsFree.close();
  });
});
