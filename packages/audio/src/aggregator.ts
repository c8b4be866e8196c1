import type {
  AudioDirection,
  AudioFlushReason,
  AudioRecorder,
  AudioRecordingScope,
  Blob,
  Event,
} from '@earshot/core';
import { InvalidArgumentError, NO_RECORDING_EVENTS, validateFilename, validateId } from '@earshot/core';
import { expectedBase64Bytes } from './base64.js';
import { newBlockPool } from './block-buffer.js';
import { parseAudioMimeType } from './mime.js';
import { MixdownTimeline } from './mixdown.js';
import { type AudioAggregatorOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { AudioErrorCode, audioErrorEvent, describeError } from './recording-events.js';
import { type DirectionState, enqueue, newDirectionState, type RunState, runKey } from './run-state.js';
import {
  type ChunkFormat,
  chunkFormatOf,
  PCM_BYTES_PER_SAMPLE,
  Segment,
  type SegmentCloseReason,
  storageFor,
} from './segment.js';
import { RecordingWriter } from './writer.js';

/**
 * Free segment buffers an aggregator keeps for reuse. Recording sessions close a segment at
 * every turn; reusing their buffers keeps V8 from counting ~130 KiB of freed memory per segment
 * towards its next full GC.
 */
export const MAX_POOLED_BUFFER_BYTES = 16 * 1024 * 1024;

const DIRECTIONS: readonly AudioDirection[] = ['input', 'output'];
const FLUSH_REASONS: ReadonlySet<string> = new Set<AudioFlushReason>([
  'turnComplete',
  'interrupted',
  'generationComplete',
  'transfer',
  'reconnect',
  'end',
]);

/** What the aggregator holds right now (for monitoring and tests). */
export interface AudioAggregatorStats {
  /** Runs recording now (not yet flushed with `'end'`). */
  activeRuns: number;
  /** Ended runs still holding audio whose write failed (see `retryPendingWrites`). */
  retainedRuns: number;
  /** Segments collecting chunks, and their payload bytes. */
  openSegments: number;
  openBytes: number;
  /** Memory of the open segments' buffers (payload plus growth room). */
  openBufferBytes: number;
  /** Free buffers kept for the next segments (at most `MAX_POOLED_BUFFER_BYTES`). */
  pooledBufferBytes: number;
  /** Closed segments kept after failed writes, and their bytes (bounded by `maxPendingBytes`). */
  pendingSegments: number;
  pendingBytes: number;
  /** Bytes given up under `maxPendingBytes` since creation (each reported by an `AUDIO_DROPPED` event). */
  droppedBytes: number;
}

/**
 * Records live audio into artifacts: implements core's `AudioRecorder` (see README.md).
 *
 * Hot-path contract: `record` appends the chunk synchronously, during the call, so chunks keep
 * the order of the calls even when nobody awaits the returned promise. The promise resolves at
 * once with `[]`, unless the chunk closed a segment (a limit, a format or agent change): then it
 * resolves with that segment's event once it is stored. It rejects only with
 * `InvalidArgumentError` (bad data, mime type or scope; nothing was recorded). Storage failures
 * never reject: they become error events. The runner can therefore call `record` without
 * awaiting it, as long as it collects the events and catches the rejection.
 */
export class AudioAggregator implements AudioRecorder {
  private readonly options: ResolvedOptions;
  private readonly writer: RecordingWriter;
  private readonly runs = new Map<string, RunState>();
  private readonly retained = new Set<RunState>();
  /**
   * The run of each scope object a caller passed in. A caller that keeps one scope object per run
   * (the runner does) finds its run without building a key, however many runs interleave.
   */
  private readonly runOfScope = new WeakMap<AudioRecordingScope, RunState>();
  private readonly blockPool = newBlockPool(MAX_POOLED_BUFFER_BYTES);

  constructor(options: AudioAggregatorOptions) {
    this.options = resolveOptions(options);
    this.writer = new RecordingWriter(this.options);
  }

  record(scope: AudioRecordingScope, direction: AudioDirection, blob: Blob): Promise<Event[]> {
    try {
      return this.recordNow(scope, direction, blob);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Not `async`: a chunk that closes no segment returns the shared `NO_RECORDING_EVENTS`, no promise of its own. */
  private recordNow(scope: AudioRecordingScope, direction: AudioDirection, blob: Blob): Promise<Event[]> {
    if (direction !== 'input' && direction !== 'output') {
      throw new InvalidArgumentError(`direction must be 'input' or 'output', got ${String(direction)}`, {
        field: 'direction',
      });
    }
    const data = blob?.data;
    if (typeof data !== 'string') {
      throw new InvalidArgumentError('blob.data must be a base64 string', { field: 'blob.data' });
    }
    const run = this.runFor(scope);
    const state = run.directions[direction];
    const format = this.formatOf(state, direction, blob.mimeType);
    if (data.length === 0) return NO_RECORDING_EVENTS;
    const expectedBytes = expectedBase64Bytes(data);
    if (expectedBytes < 0)
      throw new InvalidArgumentError('blob.data is not valid base64', { field: 'blob.data' });
    const agentName = direction === 'output' ? this.outputAgent(run, scope.agentName) : run.scope.agentName;
    const now = this.options.clock();

    const current = state.current;
    const closeReason = current && this.closeReasonFor({ current, format, expectedBytes, now, agentName });
    const target =
      current && closeReason === undefined
        ? current
        : this.newSegment({ run, direction, format, now, agentName });
    // Throws on invalid base64 before anything below changes: a fresh segment is just discarded.
    const byteOffset = target.appendBase64(data, expectedBytes);
    const closed: Segment[] = [];
    if (target !== current) {
      if (current) closed.push(close(current, closeReason ?? 'formatChange'));
      state.current = target;
      state.lastStartMs = target.startMs;
    }
    run.timeline?.place({ segment: target, byteOffset, byteLength: expectedBytes, arrivalMs: now });
    if (target.byteLength >= target.limitBytes) {
      state.current = undefined;
      closed.push(close(target, target.limitReason));
    }
    return closed.length === 0 ? NO_RECORDING_EVENTS : this.enqueueWrite(run, closed);
  }

  /** The validated agent name of an output chunk; validated once per name, not per chunk. */
  private outputAgent(run: RunState, agentName: string): string {
    if (agentName === run.outputAgent && agentName !== undefined) return agentName;
    run.outputAgent = validateId('scope.agentName', agentName);
    return agentName;
  }

  /**
   * Closes the run's open segments (input first, then output) and stores them, after any segment
   * kept from an earlier failed write. `'interrupted'` also cuts the model audio that was queued
   * but never heard from the mixdown; `'end'` renders the mixdown and forgets the run.
   * Resolves with one event per stored file plus error events; rejects only for an unknown reason.
   */
  async flush(scope: AudioRecordingScope, reason: AudioFlushReason): Promise<Event[]> {
    if (!FLUSH_REASONS.has(reason)) {
      throw new InvalidArgumentError(`unknown flush reason ${JSON.stringify(reason)}`, { field: 'reason' });
    }
    const run = this.runs.get(runKey(scope));
    if (!run) return [];
    const closed: Segment[] = [];
    for (const direction of DIRECTIONS) {
      const state = run.directions[direction];
      if (state.current) closed.push(close(state.current, reason));
      state.current = undefined;
    }
    if (reason === 'interrupted') run.timeline?.cut('output', this.options.clock());
    if (reason === 'end') {
      run.ended = true;
      this.runs.delete(run.key);
      return this.enqueueJob(run, async () => {
        const events = await this.writer.writeSegments(run, closed);
        events.push(...(await this.writer.writeMixdown(run)));
        return events;
      });
    }
    if (closed.length === 0 && run.failed.length === 0 && run.inFlight === 0) return [];
    return this.enqueueWrite(run, closed);
  }

  /** Tries again to store every segment kept after failed writes, in every run (ended ones too). */
  async retryPendingWrites(): Promise<Event[]> {
    const runs = [...this.runs.values(), ...this.retained].filter((run) => run.failed.length > 0);
    const results = await Promise.all(runs.map((run) => this.enqueueWrite(run, [])));
    return results.flat();
  }

  stats(): AudioAggregatorStats {
    let openSegments = 0;
    let openBytes = 0;
    let openBufferBytes = 0;
    let pendingSegments = 0;
    for (const run of [...this.runs.values(), ...this.retained]) {
      pendingSegments += run.failed.length;
      for (const direction of DIRECTIONS) {
        const segment = run.directions[direction].current;
        if (!segment) continue;
        openSegments++;
        openBytes += segment.byteLength;
        openBufferBytes += segment.heldBytes;
      }
    }
    return {
      activeRuns: this.runs.size,
      retainedRuns: this.retained.size,
      openSegments,
      openBytes,
      openBufferBytes,
      pooledBufferBytes: this.blockPool.heldBytes,
      pendingSegments,
      pendingBytes: this.writer.pendingBytes,
      droppedBytes: this.writer.droppedBytes,
    };
  }

  private enqueueWrite(run: RunState, segments: Segment[]): Promise<Event[]> {
    return this.enqueueJob(run, () => this.writer.writeSegments(run, segments));
  }

  private enqueueJob(run: RunState, job: () => Promise<Event[]>): Promise<Event[]> {
    return enqueue(run, async () => {
      try {
        return await job();
      } catch (error) {
        // A bug, not a storage failure (those are handled in the writer): still surface it as an event.
        return [
          audioErrorEvent({
            scope: run.scope,
            kind: 'output',
            agentName: run.scope.agentName,
            errorCode: AudioErrorCode.writeFailed,
            errorMessage: `Audio recording failed unexpectedly: ${describeError(error)}`,
            timestamp: this.options.clock(),
            customMetadata: {},
          }),
        ];
      } finally {
        if (run.ended) {
          if (run.failed.length > 0) this.retained.add(run);
          else this.retained.delete(run);
        }
      }
    });
  }

  private runFor(scope: AudioRecordingScope): RunState {
    // Compared again: a caller may have changed the ids on the object it keeps.
    const known = this.runOfScope.get(scope);
    if (known !== undefined && !known.ended && sameRun(known.scope, scope)) return known;
    const run = this.runForKey(scope);
    this.runOfScope.set(scope, run);
    return run;
  }

  private runForKey(scope: AudioRecordingScope): RunState {
    const key = runKey(scope);
    const existing = this.runs.get(key);
    if (existing) return existing;
    const appName = validateId('scope.appName', scope.appName);
    const userId = validateId('scope.userId', scope.userId);
    const sessionId = validateId('scope.sessionId', scope.sessionId);
    const invocationId = validateId('scope.invocationId', scope.invocationId);
    const agentName = validateId('scope.agentName', scope.agentName);
    const filenamePrefix = `live-audio/${invocationId}/`;
    validateFilename(`${filenamePrefix}input-0.wav`, 'scope.invocationId');
    const run: RunState = {
      key,
      scope: { appName, userId, sessionId, invocationId, agentName },
      filenamePrefix,
      directions: { input: newDirectionState(), output: newDirectionState() },
      failed: [],
      tail: Promise.resolve(),
      inFlight: 0,
      timeline: this.options.mixdown && new MixdownTimeline(this.options.mixdown.maxDurationMs),
      ended: false,
      outputAgent: undefined,
    };
    this.runs.set(key, run);
    return run;
  }

  private formatOf(
    state: DirectionState,
    direction: AudioDirection,
    mimeType: string | undefined,
  ): ChunkFormat {
    if (state.lastFormat && state.lastMimeType === mimeType) return state.lastFormat;
    const defaultSampleRate =
      direction === 'input' ? this.options.defaultInputSampleRate : this.options.defaultOutputSampleRate;
    const format = chunkFormatOf(parseAudioMimeType(mimeType, { defaultSampleRate }));
    state.lastMimeType = mimeType;
    state.lastFormat = format;
    return format;
  }

  private closeReasonFor(r: {
    current: Segment;
    format: ChunkFormat;
    expectedBytes: number;
    now: number;
    agentName: string;
  }): SegmentCloseReason | undefined {
    const { current } = r;
    if (current.format.key !== r.format.key) return 'formatChange';
    if (current.direction === 'output' && current.agentName !== r.agentName) return 'agentChange';
    if (current.byteLength + r.expectedBytes > current.limitBytes) return current.limitReason;
    // Encoded audio has no byte rate: its duration limit is measured on the arrival clock.
    if (r.format.kind === 'encoded' && r.now - current.firstArrivalMs >= this.options.maxSegmentMs) {
      return 'maxSegmentMs';
    }
    return undefined;
  }

  private newSegment(r: {
    run: RunState;
    direction: AudioDirection;
    format: ChunkFormat;
    now: number;
    agentName: string;
  }): Segment {
    const { maxSegmentBytes, maxSegmentMs } = this.options;
    const state = r.run.directions[r.direction];
    const startMs = Math.max(Math.floor(r.now), state.lastStartMs + 1);
    const storage = storageFor(r.format, this.options.format);
    let limitBytes = maxSegmentBytes;
    let limitReason: 'maxSegmentMs' | 'maxSegmentBytes' = 'maxSegmentBytes';
    if (r.format.kind === 'pcm') {
      const frameBytes = r.format.channels * PCM_BYTES_PER_SAMPLE;
      const durationBytes = Math.max(1, Math.floor((maxSegmentMs * r.format.sampleRate) / 1000)) * frameBytes;
      if (durationBytes <= maxSegmentBytes) {
        limitBytes = durationBytes;
        limitReason = 'maxSegmentMs';
      }
    }
    return new Segment({
      direction: r.direction,
      format: r.format,
      storage,
      firstArrivalMs: r.now,
      startMs,
      filename: `${r.run.filenamePrefix}${r.direction}-${startMs}.${storage.extension}`,
      agentName: r.agentName,
      limitBytes,
      limitReason,
      pool: this.blockPool,
    });
  }
}

function sameRun(a: AudioRecordingScope, b: AudioRecordingScope): boolean {
  return (
    a.invocationId === b.invocationId &&
    a.sessionId === b.sessionId &&
    a.userId === b.userId &&
    a.appName === b.appName
  );
}

function close(segment: Segment, reason: SegmentCloseReason): Segment {
  segment.closeReason = reason;
  return segment;
}

/** Same as `new AudioAggregator(options)`. */
export function createAudioAggregator(options: AudioAggregatorOptions): AudioAggregator {
  return new AudioAggregator(options);
}
