import { describe, expect, it } from 'vitest';
import { AudioAggregator, DEFAULT_MAX_SEGMENT_BYTES } from '../src/index.js';
import { CountingArtifactService, fakeClock, pcmBytes, scope } from './helpers.js';

const gc = (globalThis as { gc?: () => void }).gc;

function retainedBytes(): number {
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

describe('AudioAggregator: memory on an hour-long call', () => {
  it('has --expose-gc (vitest.config.ts execArgv)', () => {
    expect(typeof gc).toBe('function');
  });

  it('an hour of 40 ms chunks in both directions, never flushed: only segment limits bound memory, and it stays flat', async () => {
    const artifactService = new CountingArtifactService();
    const clock = fakeClock();
    const aggregator = new AudioAggregator({ artifactService, clock: clock.now }); // default limits
    // A pool of distinct chunks, so the loop allocates nothing itself.
    const inputPool = Array.from({ length: 25 }, (_, i) => pcmBytes(1280, i + 1).toString('base64'));
    const outputPool = Array.from({ length: 25 }, (_, i) => pcmBytes(1920, i + 101).toString('base64'));
    const chunks = (60 * 60 * 1000) / 40;
    const baseline = retainedBytes();
    const samples: number[] = [];
    let closed = 0;
    let maxOpenBuffers = 0;
    for (let i = 0; i < chunks; i++) {
      const a = await aggregator.record(scope, 'input', {
        data: inputPool[i % 25],
        mimeType: 'audio/pcm;rate=16000',
      });
      const b = await aggregator.record(scope, 'output', {
        data: outputPool[i % 25],
        mimeType: 'audio/pcm;rate=24000',
      });
      clock.advance(40);
      closed += a.length + b.length;
      if (i % 500 === 0) maxOpenBuffers = Math.max(maxOpenBuffers, aggregator.stats().openBufferBytes);
      if (i % 1500 === 1499) samples.push(retainedBytes() - baseline); // every simulated minute
    }
    const tail = await aggregator.flush(scope, 'end');
    expect(tail.every((e) => e.errorCode === undefined)).toBe(true);

    // 5-minute segments: 12 per direction.
    expect(closed).toBe(2 * 12 - tail.length);
    expect(artifactService.bytes).toBe(chunks * (1280 + 1920) + 44 * artifactService.saves);
    // Never more than one segment per direction: open buffers stay within the two segment limits.
    expect(maxOpenBuffers).toBeLessThanOrEqual(9_600_045 + 14_400_045);
    // Retained memory: at most the two open segments plus slack, and flat from the first segments to the last.
    const bound = 2 * DEFAULT_MAX_SEGMENT_BYTES + 8 * 1024 * 1024;
    for (const sample of samples) expect(sample).toBeLessThan(bound);
    expect(samples).toHaveLength(60);
    // Flat: the samples are a 5-minute sawtooth (a segment fills, is written, a new one starts).
    // The minute a segment closes (every 5th sample) holds the old segment or not depending on
    // when GC ran, so it is left out; the other minutes of the first and last three cycles are
    // compared like with like, and any leak shifts them.
    const steady = (xs: number[], offset: number) => xs.filter((_, i) => (i + offset) % 5 !== 4);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const early = mean(steady(samples.slice(0, 15), 0));
    const late = mean(steady(samples.slice(-15), samples.length - 15));
    expect(late - early).toBeLessThan(4 * 1024 * 1024);
    expect(aggregator.stats()).toMatchObject({ activeRuns: 0, openSegments: 0, pendingBytes: 0 });
    console.info(
      `hour-long call, retained MiB each simulated minute: ` +
        samples.map((s) => (s / 2 ** 20).toFixed(1)).join(' '),
    );
  }, 120_000);
});
