import { InMemoryArtifactService } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { newBlockPool } from '../src/block-buffer.js';
import { AudioAggregator, MAX_POOLED_BUFFER_BYTES, parseWav } from '../src/index.js';
import { chunksOf, fakeClock, loadRecording, pcmBytes, scope } from './helpers.js';

const OUT = 'audio/pcm;rate=24000';

describe('BlockPool', () => {
  it('hands back given blocks of the standard sizes, and keeps no more than its bound', () => {
    const pool = newBlockPool(3 * 4096 * 3);
    const a = pool.take(3 * 4096);
    const b = pool.take(3 * 4096 * 2);
    const odd = pool.take(5000);
    pool.give([a, b, odd]);
    expect(pool.heldBytes).toBe(3 * 4096 * 3); // the odd size is left to the GC
    expect(pool.take(3 * 4096 * 2)).toBe(b);
    expect(pool.take(3 * 4096)).toBe(a);
    expect(pool.heldBytes).toBe(0);
    pool.give([pool.take(3 * 4096 * 2), pool.take(3 * 4096 * 2)]);
    expect(pool.heldBytes).toBe(3 * 4096 * 2); // the second would pass the bound
  });
});

describe('AudioAggregator: segment buffers are reused', () => {
  it('turn after turn, stored audio is exact although each segment writes over the last one’s memory', async () => {
    const artifactService = new InMemoryArtifactService();
    const clock = fakeClock();
    const aggregator = new AudioAggregator({ artifactService, clock: clock.now });
    // Long turns then short ones: a short segment's blocks held a longer one's audio before.
    for (const [turn, bytes] of [200_000, 150_000, 3_000, 61_441, 1].entries()) {
      const audio = pcmBytes(bytes + (bytes % 2), turn + 1);
      for (const chunk of chunksOf(audio, 1920)) {
        await aggregator.record(scope, 'output', { data: chunk.toString('base64'), mimeType: OUT });
        clock.advance(40);
      }
      const [event] = await aggregator.flush(scope, 'turnComplete');
      if (!event) throw new Error('no recording event');
      expect(parseWav((await loadRecording(artifactService, event)).bytes).data.equals(audio)).toBe(true);
      // The written segment's blocks went back to the pool, for the next turn to take.
      expect(aggregator.stats().pooledBufferBytes).toBeGreaterThan(0);
      expect(aggregator.stats().openBufferBytes).toBe(0);
    }
    expect(aggregator.stats().pooledBufferBytes).toBeLessThanOrEqual(MAX_POOLED_BUFFER_BYTES);
  });

  it('many runs flushing at once keep at most MAX_POOLED_BUFFER_BYTES of free buffers', async () => {
    const artifactService = new InMemoryArtifactService();
    const clock = fakeClock();
    const aggregator = new AudioAggregator({ artifactService, clock: clock.now });
    const chunk = { data: pcmBytes(1920).toString('base64'), mimeType: OUT };
    const scopes = Array.from({ length: 120 }, (_, i) => ({ ...scope, invocationId: `inv-${i}` }));
    // 120 runs × 2 s of output each: ~180 KiB of blocks per run, 21 MiB in all, freed together.
    for (let i = 0; i < 50; i++) for (const s of scopes) await aggregator.record(s, 'output', chunk);
    expect(aggregator.stats().openBufferBytes).toBeGreaterThan(MAX_POOLED_BUFFER_BYTES);
    await Promise.all(scopes.map((s) => aggregator.flush(s, 'turnComplete')));
    expect(aggregator.stats().pooledBufferBytes).toBeGreaterThan(MAX_POOLED_BUFFER_BYTES - 1024 * 1024);
    expect(aggregator.stats().pooledBufferBytes).toBeLessThanOrEqual(MAX_POOLED_BUFFER_BYTES);
  });
});
