import { describe, expect, it } from 'vitest';
import { AudioAggregator, DEFAULT_MAX_SEGMENT_BYTES } from '../src/index.js';
import { CountingArtifactService, fakeClock, pcmBytes, scope } from './helpers.js';

const gc = (globalThis as { gc?: () => void }).gc;

function retainedBytes(): number {
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Retained memory once pending writes settled: buffers of a write in flight, or freed by the
 * last collection but not yet given back (V8 sweeps array buffers off the main thread), are not
 * retained. Three rounds of yield-and-collect, the smallest reading.
 */
async function settledRetainedBytes(): Promise<number> {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    least = Math.min(least, retainedBytes());
  }
  return least;
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

  it('an hour of real-time talk with mixdown on, a turn every 2 s: flat once the mixdown limit is reached', async () => {
    const artifactService = new CountingArtifactService();
    const clock = fakeClock();
    const aggregator = new AudioAggregator({ artifactService, clock: clock.now, mixdown: true }); // 30 min
    const inputPool = Array.from({ length: 25 }, (_, i) => pcmBytes(1280, i + 1).toString('base64'));
    const outputPool = Array.from({ length: 25 }, (_, i) => pcmBytes(1920, i + 101).toString('base64'));
    const t0 = clock.now();
    const baseline = retainedBytes();
    const samples: number[] = [];
    const chunks = (60 * 60 * 1000) / 40;
    for (let i = 0; i < chunks; i++) {
      // The mic streams in real time, 0–8 ms late; the model answers with 1 s of audio at once
      // every 2 s, then the turn ends (a flush, as the runner does on turnComplete).
      clock.set(t0 + i * 40 + ((i * 7) % 9));
      void aggregator.record(scope, 'input', { data: inputPool[i % 25], mimeType: 'audio/pcm;rate=16000' });
      if (i % 50 === 25) {
        for (let k = 0; k < 25; k++) {
          void aggregator.record(scope, 'output', { data: outputPool[k], mimeType: 'audio/pcm;rate=24000' });
        }
        await aggregator.flush(scope, 'turnComplete');
      }
      if (i % 1500 === 1499) samples.push((await settledRetainedBytes()) - baseline); // every simulated minute
    }
    const tail = await aggregator.flush(scope, 'end');
    expect(tail.some((e) => e.customMetadata?.direction === 'mixdown')).toBe(true);
    console.info(
      `hour-long call with mixdown, retained MiB each simulated minute: ` +
        samples.map((s) => (s / 2 ** 20).toFixed(1)).join(' '),
    );
    expect(samples).toHaveLength(60);
    // Medians: a sample taken just before a collection is high now and then.
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    // The timeline holds a few numbers per turn (and its segment's name) up to the 30-minute limit…
    const atLimit = median(samples.slice(25, 30));
    expect(atLimit).toBeLessThan(4 * 1024 * 1024);
    // …and nothing after it: the second half-hour is flat.
    expect(median(samples.slice(45)) - median(samples.slice(31, 45))).toBeLessThan(512 * 1024);
  }, 180_000);
});
