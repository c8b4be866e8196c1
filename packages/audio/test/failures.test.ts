import type { Event } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { AudioAggregator, AudioErrorCode } from '../src/index.js';
import { FlakyArtifactService, fakeClock, fastRetry, loadWavPayload, pcmBytes, scope } from './helpers.js';

const OUT = 'audio/pcm;rate=24000';
const IN = 'audio/pcm;rate=16000';
const isError = (e: Event) => e.errorCode !== undefined;
const recordings = (events: Event[]) => events.filter((e) => !isError(e));

function setup(failures: number, options: { maxPendingBytes?: number } = {}) {
  const artifactService = new FlakyArtifactService(failures);
  const clock = fakeClock();
  const aggregator = new AudioAggregator({ artifactService, retry: fastRetry, clock: clock.now, ...options });
  const say = async (direction: 'input' | 'output', bytes: Buffer) => {
    await aggregator.record(scope, direction, {
      data: bytes.toString('base64'),
      mimeType: direction === 'input' ? IN : OUT,
    });
    clock.advance(100);
  };
  return { artifactService, aggregator, clock, say };
}

describe('AudioAggregator: failed writes', () => {
  it('retries with backoff: a store failing twice then succeeding loses nothing and reports no error', async () => {
    const { artifactService, aggregator, say } = setup(2);
    const bytes = pcmBytes(4800, 3);
    await say('output', bytes);
    const events = await aggregator.flush(scope, 'turnComplete');
    expect(events.filter(isError)).toEqual([]);
    expect(artifactService.saveAttempts).toBe(3);
    expect((await loadWavPayload(artifactService, events[0] as Event)).equals(bytes)).toBe(true);
  });

  it('still failing after all attempts: error event per direction, audio kept and written by the next flush under its own name', async () => {
    const { artifactService, aggregator, say } = setup(fastRetry.attempts + 2);
    const input1 = pcmBytes(3200, 1);
    const output1 = pcmBytes(4800, 2);
    await say('input', input1);
    await say('output', output1);
    const first = await aggregator.flush(scope, 'turnComplete');
    expect(first.map((e) => [e.author, e.errorCode])).toEqual([
      ['user', AudioErrorCode.writeFailed],
      [scope.agentName, AudioErrorCode.writeFailed],
    ]);
    const [inputError, outputError] = first as [Event, Event];
    expect(inputError.content).toBeUndefined();
    expect(inputError.errorMessage).toContain('3200 bytes, 100 ms');
    expect(inputError.errorMessage).toContain('StorageError: store unavailable');
    expect(inputError.customMetadata).toMatchObject({
      direction: 'input',
      failedSegments: 1,
      failedBytes: 3200,
      failedMs: 100,
      keptBytes: 3200,
      attempts: fastRetry.attempts,
    });
    // After the first segment failed with full backoff, the other got one try only.
    expect(outputError.customMetadata).toMatchObject({ direction: 'output', keptBytes: 4800, attempts: 1 });
    expect(artifactService.saveAttempts).toBe(fastRetry.attempts + 1);
    expect(aggregator.stats()).toMatchObject({ pendingSegments: 2, pendingBytes: 8000 });

    const input2 = pcmBytes(1600, 3);
    await say('input', input2);
    const second = await aggregator.flush(scope, 'turnComplete');
    expect(second.filter(isError)).toEqual([]);
    const written = recordings(second);
    expect(written.map((e) => e.customMetadata?.direction)).toEqual(['input', 'output', 'input']);
    // The kept segments keep their own filename, first-chunk timestamp and the reason they closed.
    expect(written[0]?.actions.artifactDelta).toEqual(
      Object.fromEntries([[inputError.customMetadata?.filenames?.toString() ?? '', 0]]),
    );
    expect(written[0]?.timestamp).toBeLessThan(written[2]?.timestamp ?? 0);
    const payloads = await Promise.all(written.map((e) => loadWavPayload(artifactService, e)));
    expect(payloads.map((p) => p.toString('hex'))).toEqual(
      [input1, output1, input2].map((b) => b.toString('hex')),
    );
    expect(aggregator.stats()).toMatchObject({ pendingSegments: 0, pendingBytes: 0, droppedBytes: 0 });
  });

  it('a store that always fails: memory stays within maxPendingBytes and every dropped byte is reported exactly', async () => {
    const maxPendingBytes = 10_000;
    const { aggregator, say } = setup(Number.POSITIVE_INFINITY, { maxPendingBytes });
    const all: Event[] = [];
    for (let turn = 0; turn < 20; turn++) {
      await say('output', pcmBytes(4800, turn + 1)); // 100 ms each
      all.push(...(await aggregator.flush(scope, 'turnComplete')));
      expect(aggregator.stats().pendingBytes).toBeLessThanOrEqual(maxPendingBytes);
    }
    expect(recordings(all)).toEqual([]);
    const dropped = all.filter((e) => e.errorCode === AudioErrorCode.dropped);
    // Two 4800-byte segments fit in 10000 bytes: from the third turn on, each flush drops the oldest.
    expect(dropped).toHaveLength(18);
    for (const event of dropped) {
      expect(event.author).toBe(scope.agentName);
      expect(event.customMetadata).toMatchObject({ droppedSegments: 1, droppedBytes: 4800, droppedMs: 100 });
      expect(event.errorMessage).toContain('Dropped 4800 bytes (100 ms) of output audio in 1 recording(s)');
    }
    expect(aggregator.stats()).toMatchObject({
      pendingSegments: 2,
      pendingBytes: 9600,
      droppedBytes: 18 * 4800,
    });
    expect(all.filter((e) => e.errorCode === AudioErrorCode.writeFailed)).toHaveLength(20);
  });

  it("the bound is shared by all runs, and one run never evicts another run's kept audio", async () => {
    const { aggregator, say } = setup(Number.POSITIVE_INFINITY, { maxPendingBytes: 10_000 });
    await say('output', pcmBytes(4800, 1));
    await aggregator.flush(scope, 'turnComplete');
    await say('output', pcmBytes(4800, 2));
    await aggregator.flush(scope, 'turnComplete');
    expect(aggregator.stats()).toMatchObject({ pendingSegments: 2, pendingBytes: 9600 });
    const other = { ...scope, sessionId: 's2' };
    await aggregator.record(other, 'input', { data: pcmBytes(3200).toString('base64'), mimeType: IN });
    const events = await aggregator.flush(other, 'turnComplete');
    expect(events.map((e) => e.errorCode)).toEqual([AudioErrorCode.writeFailed, AudioErrorCode.dropped]);
    expect(events[1]?.customMetadata).toMatchObject({ droppedBytes: 3200, droppedMs: 100 });
    expect(aggregator.stats()).toMatchObject({ pendingSegments: 2, pendingBytes: 9600, droppedBytes: 3200 });
  });

  it('a failed segment larger than the whole bound is dropped itself and reported', async () => {
    const { aggregator, say } = setup(Number.POSITIVE_INFINITY, { maxPendingBytes: 1000 });
    await say('input', pcmBytes(3200));
    const events = await aggregator.flush(scope, 'turnComplete');
    expect(events.map((e) => e.errorCode)).toEqual([AudioErrorCode.writeFailed, AudioErrorCode.dropped]);
    expect(events[0]?.customMetadata).toMatchObject({ keptBytes: 0, failedBytes: 3200 });
    expect(events[1]).toMatchObject({
      author: 'user',
      customMetadata: { droppedBytes: 3200, droppedMs: 100 },
    });
    expect(aggregator.stats()).toMatchObject({ pendingBytes: 0, droppedBytes: 3200 });
  });

  it('after the end of a run, kept audio waits for retryPendingWrites()', async () => {
    const { artifactService, aggregator, say } = setup(Number.POSITIVE_INFINITY);
    const bytes = pcmBytes(4800, 5);
    await say('output', bytes);
    const ended = await aggregator.flush(scope, 'end');
    expect(ended.map((e) => e.errorCode)).toEqual([AudioErrorCode.writeFailed]);
    expect(aggregator.stats()).toMatchObject({ activeRuns: 0, retainedRuns: 1, pendingBytes: 4800 });
    artifactService.failures = 0;
    const retried = await aggregator.retryPendingWrites();
    expect(retried).toHaveLength(1);
    expect(retried[0]?.customMetadata).toMatchObject({ flushReason: 'end', byteCount: 4800 });
    expect((await loadWavPayload(artifactService, retried[0] as Event)).equals(bytes)).toBe(true);
    expect(aggregator.stats()).toMatchObject({ activeRuns: 0, retainedRuns: 0, pendingBytes: 0 });
    expect(await aggregator.retryPendingWrites()).toEqual([]);
  });

  it('segments closed by a limit while the store is down are kept too, and written in order later', async () => {
    const artifactService = new FlakyArtifactService(Number.POSITIVE_INFINITY);
    const aggregator = new AudioAggregator({ artifactService, retry: fastRetry, maxSegmentMs: 100 });
    const chunks = Array.from({ length: 6 }, (_, i) => pcmBytes(2400, i + 1)); // 50 ms each
    const fromRecord: Event[] = [];
    for (const chunk of chunks) {
      fromRecord.push(
        ...(await aggregator.record(scope, 'output', { data: chunk.toString('base64'), mimeType: OUT })),
      );
    }
    expect(fromRecord.map((e) => e.errorCode)).toEqual(Array(3).fill(AudioErrorCode.writeFailed));
    artifactService.failures = 0;
    const written = await aggregator.flush(scope, 'end');
    expect(written.map((e) => e.customMetadata?.byteCount)).toEqual([4800, 4800, 4800]);
    const payloads = await Promise.all(written.map((e) => loadWavPayload(artifactService, e)));
    expect(Buffer.concat(payloads).equals(Buffer.concat(chunks))).toBe(true);
  });
});
