import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryArtifactService, type SaveArtifactRequest } from '@earshot/core';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioAggregator, parseWav } from '../src/index.js';
import { chunksOf, fakeClock, fastRetry, pcmBytes, scope, tone } from './helpers.js';

/** Keeps a copy of every WAV saved through it, whichever path wrote it. */
class CapturingArtifactService extends InMemoryArtifactService {
  readonly wavs: { filename: string; bytes: Buffer }[] = [];
  failuresLeft = 0;
  override async saveArtifact(request: SaveArtifactRequest): Promise<number> {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('transient');
    }
    const inline = request.artifact.inlineData;
    if (inline?.mimeType === 'audio/wav') {
      this.wavs.push({ filename: request.filename, bytes: Buffer.from(inline.data ?? '', 'base64') });
    }
    return super.saveArtifact(request);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'earshot-audio-sox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function soxInfo(file: string): Record<string, string> {
  const text = execFileSync('sox', ['--i', file], { encoding: 'utf8' });
  const info: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) info[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return info;
}

describe('sox accepts every WAV the aggregator writes', () => {
  it('16 kHz input, 24 kHz output, odd sizes, limit-closed, retried and the stereo mixdown', async () => {
    const artifactService = new CapturingArtifactService();
    const clock = fakeClock();
    const aggregator = new AudioAggregator({
      artifactService,
      mixdown: true,
      maxSegmentMs: 1000,
      retry: fastRetry,
      clock: clock.now,
    });
    const say = async (direction: 'input' | 'output', bytes: Buffer, chunk: number, mimeType: string) => {
      for (const c of chunksOf(bytes, chunk)) {
        await aggregator.record(scope, direction, { data: c.toString('base64'), mimeType });
        clock.advance(40);
      }
    };
    await say('input', tone({ ms: 600, rate: 16000, hz: 300 }), 1280, 'audio/pcm;rate=16000');
    await say('output', tone({ ms: 1500, rate: 24000, hz: 500 }), 1920, 'audio/pcm;rate=24000'); // 1 s limit → 2 files
    await aggregator.flush(scope, 'turnComplete');
    await say('output', pcmBytes(2401), 1001, 'audio/pcm;rate=24000'); // odd byte count
    artifactService.failuresLeft = 2; // written after two failed attempts
    await aggregator.flush(scope, 'interrupted');
    await say('input', pcmBytes(3200), 640, 'audio/pcm;rate=8000');
    await aggregator.flush(scope, 'end');

    const names = artifactService.wavs.map((w) => w.filename.replace(/-\d+\.wav$/, ''));
    expect(names).toEqual([
      'live-audio/e-inv-1/output', // closed by the 1 s limit
      'live-audio/e-inv-1/input',
      'live-audio/e-inv-1/output',
      'live-audio/e-inv-1/output', // odd size, after retries
      'live-audio/e-inv-1/input', // 8 kHz
      'live-audio/e-inv-1/mixdown',
    ]);
    for (const [i, { bytes }] of artifactService.wavs.entries()) {
      const file = join(dir, `${i}.wav`);
      writeFileSync(file, bytes);
      const wav = parseWav(bytes);
      const info = soxInfo(file);
      expect(info['Sample Rate'], file).toBe(String(wav.sampleRate));
      expect(info.Channels, file).toBe(String(wav.channels));
      expect(info.Precision, file).toBe('16-bit');
      expect(info['Sample Encoding'], file).toBe('16-bit Signed Integer PCM');
      const frames = Math.floor(wav.data.length / (2 * wav.channels));
      expect(info.Duration, file).toContain(`= ${frames} samples`);
      // Decoding the whole file must work too, without a warning (sox prints `stat` and warnings on stderr).
      const decode = spawnSync('sox', ['-V2', file, '-n', 'stat'], { encoding: 'utf8' });
      expect(decode.status, decode.stderr).toBe(0);
      expect(decode.stderr, file).toMatch(/Samples read:\s+\d+/);
      expect(decode.stderr, file).not.toMatch(/WARN|FAIL/);
      const samplesRead = Number(/Samples read:\s+(\d+)/.exec(decode.stderr)?.[1]);
      expect(samplesRead, file).toBe(frames * wav.channels);
    }
  });
});
