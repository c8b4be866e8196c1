import type { Blob } from '@google/genai';
import type { Event } from './events.js';

/** Who and where a recorded chunk belongs to. */
export interface AudioRecordingScope {
  appName: string;
  userId: string;
  sessionId: string;
  invocationId: string;
  /** The agent speaking at the time; authors the output recording events. */
  agentName: string;
}

export type AudioDirection = 'input' | 'output';

/** Why a recorder is asked to write what it holds. */
export type AudioFlushReason =
  | 'turnComplete'
  | 'interrupted'
  | 'generationComplete'
  | 'transfer'
  | 'reconnect'
  | 'end';

/**
 * Records live audio into artifacts. The runner calls it; `@earshot/audio`'s `AudioAggregator`
 * implements it. Returned events (one per written recording, with a `fileData` part) are
 * yielded and persisted by the runner after the event that triggered the flush.
 *
 * Contract: `record` and `flush` take effect synchronously, in call order, when called (the
 * chunk, its arrival time and the segment boundary are captured before the method returns its
 * promise); only storage work may complete later. The runner calls each one the moment a chunk
 * or a turn signal arrives, without awaiting earlier calls, so a slow artifact write never
 * shifts later chunks on the recording's timeline.
 */
export interface AudioRecorder {
  /**
   * Takes one chunk; returns the events of any segment a size or duration limit closed. A chunk
   * that closed nothing may return `NO_RECORDING_EVENTS`: the runner then skips the promise.
   */
  record(scope: AudioRecordingScope, direction: AudioDirection, blob: Blob): Promise<Event[]>;
  /** Writes what is held for the scope's invocation; returns one event per recording (or error events). */
  flush(scope: AudioRecordingScope, reason: AudioFlushReason): Promise<Event[]>;
}

/**
 * What `AudioRecorder.record` returns for a chunk that closed no segment (almost every chunk):
 * one shared, already resolved promise of a frozen empty list. A caller that sees this exact
 * object knows there is nothing to wait for, so a chunk costs no promise reaction.
 */
export const NO_RECORDING_EVENTS: Promise<Event[]> = Promise.resolve(Object.freeze([]) as unknown as Event[]);
