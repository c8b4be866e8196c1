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
 * Feeds an `AudioRecorder` off the latency path. Each `record` / `flush` call is made at once,
 * when the chunk or the turn signal arrives (the recorder takes the chunk and its arrival time
 * synchronously, so a slow artifact write never delays later chunks on the shared timeline);
 * only the collection of their results is chained, in call order. Events returned by `record`
 * and failures of either call are held and surfaced with the next flush, through `onFlushed`,
 * which is called inside the chain: once `settled()` resolves, every flush made before it has
 * been delivered.
 */
export class AudioRecording {
  private readonly recorder: AudioRecorder;
  private readonly scope: () => AudioRecordingScope;
  private readonly onFlushed: (result: RecordingResult) => void;
  private readonly within: <T>(fn: () => T) => T;
  private tail: Promise<void> = Promise.resolve();
  private held: RecordingResult = { events: [], errors: [] };

  constructor(options: {
    recorder: AudioRecorder;
    scope: () => AudioRecordingScope;
    onFlushed: (result: RecordingResult) => void;
    /** Runs a recorder call inside the run's trace context (its storage spans nest under the run). */
    within?: <T>(fn: () => T) => T;
  }) {
    this.recorder = options.recorder;
    this.scope = options.scope;
    this.onFlushed = options.onFlushed;
    this.within = options.within ?? ((fn) => fn());
  }

  record(direction: AudioDirection, blob: Blob): void {
    const recorded = settle(() => this.within(() => this.recorder.record(this.scope(), direction, blob)));
    this.enqueue(async () => {
      this.held.events.push(...unwrap(await recorded));
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
    const flushed = settle(() => this.within(() => this.recorder.flush(this.scope(), reason)));
    this.enqueue(async () => {
      try {
        this.held.events.push(...unwrap(await flushed));
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

type Settled<T> = { value: T } | { error: unknown };

/** Starts a recorder call now; a rejection is captured at once, so it is never unhandled. */
function settle<T>(call: () => Promise<T>): Promise<Settled<T>> {
  try {
    return call().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  } catch (error) {
    return Promise.resolve({ error });
  }
}

function unwrap<T>(settled: Settled<T>): T {
  if ('error' in settled) throw settled.error;
  return settled.value;
}

/** The recording of one run: only when it has a recorder and `runConfig.saveLiveAudio` is on. */
export function recordingFor(
  options: {
    audioRecorder: AudioRecorder | undefined;
    runConfig: { saveLiveAudio: boolean };
    appName: string;
    session: { userId: string; id: string };
    invocationId: string;
    telemetry?: { within<T>(fn: () => T): T };
  },
  agentName: () => string,
  onFlushed: (result: RecordingResult) => void,
): AudioRecording | undefined {
  const { audioRecorder, runConfig, appName, session, invocationId } = options;
  if (!audioRecorder || !runConfig.saveLiveAudio) return undefined;
  const scope = () => ({
    appName,
    userId: session.userId,
    sessionId: session.id,
    invocationId,
    agentName: agentName(),
  });
  const { telemetry } = options;
  const within = telemetry && (<T>(fn: () => T) => telemetry.within(fn));
  return new AudioRecording({ recorder: audioRecorder, scope, onFlushed, within });
}
