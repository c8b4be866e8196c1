import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumLaunchOptions } from '@earshot/testing';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';

/** Bundles the browser entry from source, as tsup does for dist/browser/index.js. */
export async function bundleBrowserEntry(dir: string): Promise<string> {
  const result = await build({
    entryPoints: [new URL('../../src/browser/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
  });
  const file = join(dir, 'bridge-client.js');
  await writeFile(file, result.outputFiles[0]!.text);
  return file;
}

/** A 16 kHz mono PCM16 WAV file. */
export function wavFile(pcm: Buffer, rate = 16_000): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

/** A pure tone, 16-bit mono. */
export function tone(hz: number, ms: number, rate: number, amplitude = 8_000): Buffer {
  const samples = Math.floor((rate * ms) / 1000);
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    out.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * amplitude), i * 2);
  return out;
}

/** Sign changes per second of 16-bit PCM: twice the frequency of a pure tone. */
export function zeroCrossingsPerSecond(pcm: Buffer, rate: number): number {
  let crossings = 0;
  let previous = 0;
  const samples = pcm.length / 2;
  for (let i = 0; i < samples; i++) {
    const value = pcm.readInt16LE(i * 2);
    if (value !== 0) {
      if (previous !== 0 && Math.sign(value) !== Math.sign(previous)) crossings++;
      previous = value;
    }
  }
  return crossings / (samples / rate);
}

export interface BrowserRig {
  browser: Browser;
  dir: string;
  close(): Promise<void>;
}

/** Debian's Chromium (never a downloaded build) with a fake microphone playing `wav` in a loop. */
export async function launchChromium(wav: Buffer): Promise<BrowserRig> {
  const dir = await mkdtemp(join(tmpdir(), 'earshot-bridge-browser-'));
  const wavPath = join(dir, 'mic.wav');
  await writeFile(wavPath, wav);
  const browser = await chromium.launch(chromiumLaunchOptions({ microphoneWav: wavPath }));
  return {
    browser,
    dir,
    async close() {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Records what the page schedules for playback (start times, durations) and stops. */
export const PLAYBACK_PROBE = `
  window.__scheduled = [];
  window.__stopped = 0;
  const start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function (when, ...rest) {
    window.__audioContext = this.context;
    window.__scheduled.push({ when, duration: this.buffer.duration, rate: this.buffer.sampleRate, at: this.context.currentTime });
    return start.call(this, when, ...rest);
  };
  const stop = AudioBufferSourceNode.prototype.stop;
  AudioBufferSourceNode.prototype.stop = function (...args) {
    window.__stopped++;
    return stop.apply(this, args);
  };
`;
