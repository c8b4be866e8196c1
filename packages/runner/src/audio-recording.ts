import type {
  AudioDirection,
  AudioFlushReason,
  AudioRecorder,
  AudioRecordingScope,
  Event,
} from '@earshot/core';
import type { Blob } from '@google/genai';

/** What a flush surfaced: recording events (flush and earlier `record` results) and failures. */
export interface RecordingResult {
  events: Event[];
  errors: unknown[];
}

/**
 * Feeds an `AudioRecorder` off the latency path: every call is chained in the background, in
 * order, so yielding model audio never waits for an artifact write. Events returned by
 * `record` and failures of either call are held and surfaced with the next flush, through
 * `onFlushed`, which is called inside the chain: once `settled()` resolves, every flush
 * queued before it has been delivered.
 */
export class AudioRecording {
  private readonly recorder: AudioRecorder;
  private readonly scope: () => AudioRecordingScope;
  private readonly onFlushed: (result: RecordingResult) => void;
  private tail: Promise<void> = Promise.resolve();
  private held: RecordingResult = { events: [], errors: [] };

  constructor(options: {
    recorder: AudioRecorder;
    scope: () => AudioRecordingScope;
    onFlushed: (result: RecordingResult) => void;
  }) {
    this.recorder = options.recorder;
    this.scope = options.scope;
    this.onFlushed = options.onFlushed;
  }

  record(direction: AudioDirection, blob: Blob): void {
    const scope = this.scope();
    this.enqueue(async () => {
      this.held.events.push(...(await this.recorder.record(scope, direction, blob)));
    });
  }

  /** Records the model audio parts of an event. */
  recordModelAudio(event: Event): void {
    for (const part of event.content?.parts ?? []) {
      if (part.inlineData?.mimeType?.toLowerCase().startsWith('audio/'))
        this.record('output', part.inlineData);
    }
  }

  flush(reason: AudioFlushReason): void {
    const scope = this.scope();
    this.enqueue(async () => {
      try {
        this.held.events.push(...(await this.recorder.flush(scope, reason)));
      } catch (error) {
        this.held.errors.push(error);
      }
      const result = this.held;
      this.held = { events: [], errors: [] };
      this.onFlushed(result);
    });
  }

  /** Resolves when every call queued so far is done. Never rejects. */
  settled(): Promise<void> {
    return this.tail;
  }

  /** Like `settled()`, but gives up after `ms` (a hung recorder must not hang the run): false then. */
  async settledWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.tail.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private enqueue(call: () => Promise<void>): void {
    this.tail = this.tail.then(async () => {
      try {
        await call();
      } catch (error) {
        this.held.errors.push(error);
      }
    });
  }
}
