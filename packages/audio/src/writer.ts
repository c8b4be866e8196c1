import type { AudioDirection, Event } from '@earshot/core';
import { renderMixdown } from './mixdown.js';
import type { ResolvedOptions } from './options.js';
import {
  AudioErrorCode,
  audioErrorEvent,
  describeError,
  mixdownEvent,
  roundMs,
  segmentEvent,
  segmentMetadata,
} from './recording-events.js';
import { type RetryOutcome, withRetry } from './retry.js';
import type { RunState } from './run-state.js';
import type { Segment } from './segment.js';
import { parseWav } from './wav.js';

interface Tally {
  segments: Segment[];
  bytes: number;
  ms: number;
}

interface FailureTally extends Tally {
  error: unknown;
  attempts: number;
}

const tally = (segments: Segment[]): Tally => ({
  segments,
  bytes: segments.reduce((sum, s) => sum + s.byteLength, 0),
  ms: roundMs(segments.reduce((sum, s) => sum + (s.durationMs ?? 0), 0)),
});

/**
 * The storage side of the aggregator: stores closed segments with retries, keeps the ones that
 * could not be stored (within `maxPendingBytes` across all runs), and renders and stores the mixdown.
 * Never throws: every failure becomes an error event.
 */
export class RecordingWriter {
  /** Payload bytes of kept (unwritten) segments across all runs. */
  pendingBytes = 0;
  /** Payload bytes given up under the bound since the aggregator was created. */
  droppedBytes = 0;
  private readonly kept = new WeakSet<Segment>();

  constructor(private readonly options: ResolvedOptions) {}

  /** Stores the run's kept segments (oldest first), then `segments`; returns one event per segment stored plus error events. */
  async writeSegments(run: RunState, segments: Segment[]): Promise<Event[]> {
    const batch = [...run.failed, ...segments];
    run.failed = [];
    const events: Event[] = [];
    const failures = new Map<AudioDirection, FailureTally>();
    const stillFailing: Segment[] = [];
    let storageDown = false;
    for (const segment of batch) {
      // Once one segment failed with full backoff, the rest get a single try: the store is down
      // and the caller should not wait attempts × segments.
      const outcome = await this.save(run, segment, storageDown ? 1 : undefined);
      if (outcome.ok) {
        if (this.kept.delete(segment)) this.pendingBytes -= segment.byteLength;
        segment.markWritten(outcome.value);
        events.push(segmentEvent({ scope: run.scope, segment, version: outcome.value }));
        continue;
      }
      storageDown = true;
      stillFailing.push(segment);
      const failure = failures.get(segment.direction) ?? { ...tally([]), error: outcome.error, attempts: 0 };
      failure.segments.push(segment);
      failure.error = outcome.error;
      failure.attempts = Math.max(failure.attempts, outcome.attempts);
      failures.set(segment.direction, failure);
    }
    const dropped = this.keepWithinBound(run, stillFailing);
    for (const [direction, failure] of failures) events.push(this.writeFailedEvent(run, direction, failure));
    for (const [direction, segs] of dropped) events.push(this.droppedEvent(run, direction, tally(segs)));
    return events;
  }

  /** Renders and stores the stereo mixdown of an ended run; [] when it has no PCM audio. */
  async writeMixdown(run: RunState): Promise<Event[]> {
    const timeline = run.timeline;
    if (!timeline || timeline.isEmpty) return [];
    const filename = `${run.filenamePrefix}mixdown-${Math.floor(timeline.originMs)}.wav`;
    try {
      const rendered = await renderMixdown({
        timeline,
        loadPayload: (segment) => this.loadPayload(run, segment),
        defaultSampleRate: this.options.defaultOutputSampleRate,
      });
      const data = rendered.wav.toString('base64');
      const metadata = {
        sampleRate: rendered.sampleRate,
        channels: 2,
        durationMs: roundMs(rendered.durationMs),
        byteCount: rendered.wav.length - 44,
        omittedMs: roundMs(rendered.omittedMs),
        missingSegments: rendered.missingSegments,
        encodedChunksSkipped: timeline.encodedChunksSkipped,
      };
      const outcome = await this.options.telemetry.save('mixdown', { bytes: rendered.wav.length }, () =>
        withRetry({
          operation: () =>
            this.options.artifactService.saveArtifact({
              appName: run.scope.appName,
              userId: run.scope.userId,
              sessionId: run.scope.sessionId,
              filename,
              artifact: { inlineData: { data, mimeType: 'audio/wav' } },
              customMetadata: { direction: 'mixdown', flushReason: 'end', ...metadata },
            }),
          options: this.options.retry,
        }),
      );
      if (!outcome.ok) throw outcome.error;
      return [
        mixdownEvent({
          scope: run.scope,
          filename,
          version: outcome.value,
          timestamp: timeline.originMs,
          metadata,
        }),
      ];
    } catch (error) {
      return [
        audioErrorEvent({
          scope: run.scope,
          kind: 'mixdown',
          agentName: run.scope.agentName,
          errorCode: AudioErrorCode.mixdownFailed,
          errorMessage: `Could not store the conversation mixdown ${filename}: ${describeError(error)}. The per-direction recordings are not affected.`,
          timestamp: this.options.clock(),
          customMetadata: { filename },
        }),
      ];
    } finally {
      run.timeline = undefined;
    }
  }

  private save(run: RunState, segment: Segment, attempts: number | undefined): Promise<RetryOutcome<number>> {
    // Encoded once, reused by every attempt.
    const data = segment.storedBase64();
    const details = { direction: segment.direction, bytes: segment.byteLength };
    return this.options.telemetry.save('segment', details, () =>
      withRetry({
        operation: () =>
          this.options.artifactService.saveArtifact({
            appName: run.scope.appName,
            userId: run.scope.userId,
            sessionId: run.scope.sessionId,
            filename: segment.filename,
            artifact: { inlineData: { data, mimeType: segment.storage.mimeType } },
            customMetadata: { direction: segment.direction, ...segmentMetadata(segment) },
          }),
        options: this.options.retry,
        attempts,
      }),
    );
  }

  /**
   * Keeps failed segments for the next flush while the total stays within `maxPendingBytes`.
   * To make room for a newly failed segment the run's oldest kept segments go first; if it still
   * does not fit, it goes itself. One run never evicts another run's audio.
   */
  private keepWithinBound(run: RunState, failing: Segment[]): Map<AudioDirection, Segment[]> {
    const dropped = new Map<AudioDirection, Segment[]>();
    const drop = (segment: Segment) => {
      if (this.kept.delete(segment)) this.pendingBytes -= segment.byteLength;
      this.droppedBytes += segment.byteLength;
      segment.markDropped();
      dropped.set(segment.direction, [...(dropped.get(segment.direction) ?? []), segment]);
    };
    for (const segment of failing) {
      if (this.kept.has(segment)) {
        run.failed.push(segment);
        continue;
      }
      const max = this.options.maxPendingBytes;
      while (this.pendingBytes + segment.byteLength > max && run.failed.length > 0) {
        const oldest = run.failed.shift();
        if (oldest) drop(oldest);
      }
      if (this.pendingBytes + segment.byteLength > max) {
        drop(segment);
        continue;
      }
      this.kept.add(segment);
      this.pendingBytes += segment.byteLength;
      run.failed.push(segment);
    }
    return dropped;
  }

  private writeFailedEvent(run: RunState, direction: AudioDirection, failure: FailureTally): Event {
    const all = tally(failure.segments);
    const kept = tally(failure.segments.filter((s) => !s.dropped));
    const names = failure.segments.map((s) => s.filename);
    return audioErrorEvent({
      scope: run.scope,
      kind: direction,
      agentName: failure.segments.at(-1)?.agentName ?? run.scope.agentName,
      errorCode: AudioErrorCode.writeFailed,
      errorMessage:
        `Could not store ${all.segments.length} ${direction} recording(s) (${all.bytes} bytes, ${all.ms} ms) ` +
        `after ${failure.attempts} attempt(s): ${describeError(failure.error)}. ` +
        `${kept.bytes} bytes (${kept.ms} ms) are kept in memory and written with the next flush.`,
      timestamp: this.options.clock(),
      customMetadata: {
        failedSegments: all.segments.length,
        failedBytes: all.bytes,
        failedMs: all.ms,
        keptBytes: kept.bytes,
        keptMs: kept.ms,
        attempts: failure.attempts,
        filenames: names,
        pendingBytes: this.pendingBytes,
        maxPendingBytes: this.options.maxPendingBytes,
      },
    });
  }

  private droppedEvent(run: RunState, direction: AudioDirection, dropped: Tally): Event {
    return audioErrorEvent({
      scope: run.scope,
      kind: direction,
      agentName: dropped.segments.at(-1)?.agentName ?? run.scope.agentName,
      errorCode: AudioErrorCode.dropped,
      errorMessage:
        `Dropped ${dropped.bytes} bytes (${dropped.ms} ms) of ${direction} audio in ${dropped.segments.length} ` +
        `recording(s) that could not be stored: unwritten audio is limited to ${this.options.maxPendingBytes} bytes (maxPendingBytes).`,
      timestamp: this.options.clock(),
      customMetadata: {
        droppedSegments: dropped.segments.length,
        droppedBytes: dropped.bytes,
        droppedMs: dropped.ms,
        filenames: dropped.segments.map((s) => s.filename),
        maxPendingBytes: this.options.maxPendingBytes,
      },
    });
  }

  /** A placed segment's PCM for the mixdown: from memory while unwritten, else read back from storage. */
  private async loadPayload(run: RunState, segment: Segment): Promise<Buffer | undefined> {
    const inMemory = segment.payload();
    if (inMemory) return inMemory;
    const version = segment.version;
    if (version === undefined) return undefined;
    const outcome = await withRetry({
      operation: () =>
        this.options.artifactService.loadArtifact({ ...run.scope, filename: segment.filename, version }),
      options: this.options.retry,
    });
    const data = outcome.ok ? outcome.value?.inlineData?.data : undefined;
    if (data === undefined) return undefined;
    const bytes = Buffer.from(data, 'base64');
    try {
      return segment.storage.layout === 'wav' ? parseWav(bytes).data : bytes;
    } catch {
      return undefined;
    }
  }
}
