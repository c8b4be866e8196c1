import { createEvent, EarshotError, type Event } from '@earshot/core';
import type { AudioRecording, RecordingResult } from './audio-recording.js';
import { type EventSink, messageOf, PersistFailure } from './event-sink.js';

export interface RunEndingOptions {
  sink: EventSink;
  recording: AudioRecording | undefined;
  invocationId: string;
  /** The agent speaking when the run ended (authors the last events). */
  agentName: string;
  recorderFlushTimeoutMs: number;
  /** Recorder results that reached the inbox meanwhile, taken without waiting. */
  takeRecordings: () => RecordingResult[];
  emitRecording: (result: RecordingResult) => Promise<void>;
}

/**
 * The last events of a run, once its connection and tools are stopped: the error event (if
 * it failed), else a final event saving a resumption handle no turn boundary saved, then the
 * recorder's last flush (`'end'`, bounded by `recorderFlushTimeoutMs` so a hung recorder
 * cannot hang the run). Returns the run's error: the original one, or a failed append here if
 * there was none. After a failed append nothing more is appended: what is left is only yielded.
 */
export async function endRun(failure: unknown, options: RunEndingOptions): Promise<unknown> {
  const { sink, recording, recorderFlushTimeoutMs } = options;
  const storeFailed = failure instanceof PersistFailure;
  let error = storeFailed ? (failure as PersistFailure).error : failure;
  const errorEvent = (errorCode: string, errorMessage: string) =>
    createEvent({ invocationId: options.invocationId, author: options.agentName, errorCode, errorMessage });
  /** Emits; a failed append becomes the run's error if it had none (its event is only yielded). */
  const emitOrFail = async (emitting: () => Promise<void> | undefined) => {
    try {
      await emitting();
    } catch (thrown) {
      if (error !== undefined) return;
      const cause = thrown instanceof PersistFailure ? thrown.error : thrown;
      sink.yieldOnly(errorEvent(codeOf(cause), messageOf(cause)));
      error = cause;
    }
  };
  if (error !== undefined) {
    // The error event also saves a handle no turn boundary saved yet.
    const event = errorEvent(codeOf(error), messageOf(error));
    // The run's error stays the original one even if appending its error event fails too.
    if (storeFailed) sink.yieldOnly(event);
    else await yieldIfUnstored(sink, event);
  } else {
    const stateDelta = sink.takeUnsavedHandle();
    const { invocationId, agentName: author } = options;
    if (stateDelta)
      await emitOrFail(() => sink.emit(createEvent({ invocationId, author, actions: { stateDelta } })));
  }
  if (!recording) return settleStorage(sink, storeFailed, error, errorEvent);
  recording.flush('end');
  if (!(await recording.settledWithin(recorderFlushTimeoutMs))) {
    const message = `audio recorder did not finish within ${recorderFlushTimeoutMs} ms; its pending output is dropped`;
    const timedOut = errorEvent('AUDIO_RECORDING', message);
    if (storeFailed) sink.yieldOnly(timedOut);
    else await emitOrFail(() => sink.emit(timedOut));
  }
  for (const result of options.takeRecordings()) {
    if (storeFailed) for (const event of result.events) sink.yieldOnly(event);
    else await emitOrFail(() => options.emitRecording(result));
  }
  return settleStorage(sink, storeFailed, error, errorEvent);
}

/**
 * Last step of every run: waits (within the outage bounds) until the events held during a
 * storage outage are stored. A bound reached becomes the run's error if it had none.
 */
async function settleStorage(
  sink: EventSink,
  storeFailed: boolean,
  error: unknown,
  errorEvent: (errorCode: string, errorMessage: string) => Event,
): Promise<unknown> {
  if (storeFailed) {
    sink.settleStorage().catch(() => {}); // only stops the retries: nothing more is stored
    return error;
  }
  try {
    await sink.settleStorage();
  } catch (thrown) {
    if (error !== undefined) return error;
    const cause = thrown instanceof PersistFailure ? thrown.error : thrown;
    sink.yieldOnly(errorEvent(codeOf(cause), messageOf(cause)));
    return cause;
  }
  return error;
}

/** Emits the run's error event; if even that cannot be appended, it is still yielded. */
async function yieldIfUnstored(sink: EventSink, event: Event): Promise<void> {
  try {
    await sink.emit(event);
  } catch {
    sink.yieldOnly(event);
  }
}

export function codeOf(error: unknown): string {
  return error instanceof EarshotError ? error.code : 'INTERNAL';
}
