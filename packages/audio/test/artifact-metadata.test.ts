import { type Event, InMemoryArtifactService } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { AudioAggregator } from '../src/index.js';
import { chunksOf, fakeClock, fileDataOf, pcmBytes, scope } from './helpers.js';

/** The stored artifact's metadata for a recording event (what listArtifactVersions reports). */
async function storedVersionOf(service: InMemoryArtifactService, event: Event) {
  const { filename, version } = event.customMetadata as { filename: string; version: number };
  const versions = await service.listArtifactVersions({ ...scope, filename });
  expect(fileDataOf(event).mimeType).toBe(versions[version]?.mimeType);
  return versions[version];
}

describe('AudioAggregator: metadata saved with each artifact', () => {
  it('each recording is saved with its direction, sample rate, channels and duration', async () => {
    const artifactService = new InMemoryArtifactService();
    const clock = fakeClock();
    const aggregator = new AudioAggregator({ artifactService, clock: clock.now, mixdown: true });
    for (const chunk of chunksOf(pcmBytes(16_000 * 2 * 2, 3), 1280)) {
      await aggregator.record(scope, 'input', {
        data: chunk.toString('base64'),
        mimeType: 'audio/pcm;rate=16000',
      });
      clock.advance(40);
    }
    for (const chunk of chunksOf(pcmBytes(24_000 * 2, 5), 1920)) {
      await aggregator.record(scope, 'output', {
        data: chunk.toString('base64'),
        mimeType: 'audio/pcm;rate=24000',
      });
      clock.advance(40);
    }
    const events = await aggregator.flush(scope, 'end');
    const byDirection = new Map(events.map((e) => [e.customMetadata?.direction, e]));
    expect([...byDirection.keys()].sort()).toEqual(['input', 'mixdown', 'output']);

    const input = await storedVersionOf(artifactService, byDirection.get('input') as Event);
    expect(input).toMatchObject({
      mimeType: 'audio/wav',
      sizeBytes: 44 + 64_000,
      customMetadata: {
        direction: 'input',
        sampleRate: 16_000,
        channels: 1,
        durationMs: 2000,
        byteCount: 64_000,
        chunkCount: 50,
        flushReason: 'end',
      },
    });
    const output = await storedVersionOf(artifactService, byDirection.get('output') as Event);
    expect(output?.customMetadata).toMatchObject({
      direction: 'output',
      sampleRate: 24_000,
      channels: 1,
      durationMs: 1000,
    });
    const mixdown = await storedVersionOf(artifactService, byDirection.get('mixdown') as Event);
    expect(mixdown?.customMetadata).toMatchObject({ direction: 'mixdown', sampleRate: 24_000, channels: 2 });
    expect(mixdown?.customMetadata.durationMs).toBeGreaterThanOrEqual(2000);
    // The event and the stored artifact say the same (the event adds filename and version).
    for (const event of events) {
      const stored = await storedVersionOf(artifactService, event);
      const { filename: _f, version: _v, ...fromEvent } = event.customMetadata as Record<string, unknown>;
      expect(stored?.customMetadata).toEqual(fromEvent);
    }
  });

  it('encoded audio is saved with its direction and no rate it does not know', async () => {
    const artifactService = new InMemoryArtifactService();
    const aggregator = new AudioAggregator({ artifactService });
    await aggregator.record(scope, 'output', {
      data: Buffer.from('OggS....').toString('base64'),
      mimeType: 'audio/ogg',
    });
    const [event] = await aggregator.flush(scope, 'turnComplete');
    const stored = await storedVersionOf(artifactService, event as Event);
    expect(stored?.customMetadata).toEqual({
      direction: 'output',
      flushReason: 'turnComplete',
      byteCount: 8,
      chunkCount: 1,
    });
  });
});
