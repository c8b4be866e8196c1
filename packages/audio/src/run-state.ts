import type { AudioDirection, AudioRecordingScope, Event } from '@earshot/core';
import type { MixdownTimeline } from './mixdown.js';
import type { ChunkFormat, Segment } from './segment.js';

/** One direction of one run. */
export interface DirectionState {
  /** The segment collecting chunks now, if any. */
  current: Segment | undefined;
  /** Filename ms of the last segment started, to keep filenames unique within the ms. */
  lastStartMs: number;
  /** Parse cache: chunks of a stream nearly always share one mime type string. */
  lastMimeType: string | undefined;
  lastFormat: ChunkFormat | undefined;
}

/** Everything the aggregator holds for one run (app, user, session, invocation). */
export interface RunState {
  readonly key: string;
  /** The scope of the first chunk; `agentName` is taken per call instead. */
  readonly scope: AudioRecordingScope;
  /** `live-audio/{invocationId}/` */
  readonly filenamePrefix: string;
  readonly directions: Record<AudioDirection, DirectionState>;
  /** Closed segments whose write failed, oldest first, waiting for the next flush. */
  failed: Segment[];
  /** Writes of one run run one after another, in the order segments closed. */
  tail: Promise<void>;
  inFlight: number;
  timeline: MixdownTimeline | undefined;
  /** `flush(…, 'end')` was called. */
  ended: boolean;
  /** The output agent name validated last (validated once per name, not per chunk). */
  outputAgent: string | undefined;
}

export function runKey({ appName, userId, sessionId, invocationId }: AudioRecordingScope): string {
  // JSON keeps any two distinct id tuples apart, whatever characters the ids hold.
  return JSON.stringify([appName, userId, sessionId, invocationId]);
}

export function newDirectionState(): DirectionState {
  return {
    current: undefined,
    lastStartMs: Number.NEGATIVE_INFINITY,
    lastMimeType: undefined,
    lastFormat: undefined,
  };
}

/** Runs `job` after every job queued before it on the same run; the result is the job's. */
export function enqueue(run: RunState, job: () => Promise<Event[]>): Promise<Event[]> {
  run.inFlight++;
  const result = run.tail.then(job).finally(() => {
    run.inFlight--;
  });
  run.tail = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}
