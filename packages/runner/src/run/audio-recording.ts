import {
  type AudioDirection,
  type AudioFlushReason,
  type AudioRecorder,
  type AudioRecordingScope,
  createEvent,
  type Event,
  NO_RECORDING_EVENTS,
} from '@earshot/core';
import type { Blob } from '@google/genai';
import { type EventSink, messageOf } from './event-sink.js';

/** What a flush surfaced: recording events (flush and earlier `record` results) and failures. */
export interface RecordingResult {
  events: Event[];
  errors: unknown[];
}

/** Emits what a flush surfaced: its events, then an `AUDIO_RECORDING` error event per failure. */
export async function emitRecordingResult(
  sink: EventSink,
  base: { invocationId: string; author: string },
  { events, errors }: RecordingResult,
): Promise<void> {
  for (const event of events) await sink.emit(event);
  for (const error of errors) {
    const errorMessage = `audio recording failed: ${messageOf(error)}`;
    await sink.emit(createEvent({ ...base, errorCode: 'AUDIO_RECORDING', errorMessage }));
  }
}

/**
 * Feeds an `AudioRecorder` off the latency path. Each `record` / `flush` call is made at once,
 * when the chunk or the turn signal arrives (the recorder takes the chunk and its arrival time
 * synchronously, so a slow artifact write never delays later chunks on the shared timeline).
 * Results are collected per flush, not per chunk: the records since the last flush and the flush
 * itself form one batch, whose events (records' first, then the flush's) and failures go to
 * `onFlushed` once all of them settled, batches in call order. Once `settled()` resolves,
 * every flush made before it has been delivered.
 */
export class AudioRecording {
  private readonly recorder: AudioRecorder;
  private readonly scopeFor: (agentName: string) => AudioRecordingScope;
  private readonly agentName: () => string;
  private readonly onFlushed: (result: RecordingResult) => void;
  /** Built again only when the agent changes: every chunk of a turn shares one scope object. */
  private scope: AudioRecordingScope;
  private batch = new RecordingBatch();
  private readonly within: <T>(fn: () => T) => T;
  private tail: Promise<void> = Promise.resolve();

  constructor(options: {
    recorder: AudioRecorder;
    /** The scope of the agent speaking. */
    scope: (agentName: string) => AudioRecordingScope;
    agentName: () => string;
    onFlushed: (result: RecordingResult) => void;
    /** Runs a recorder call inside the run's trace context (its storage spans nest under the run). */
    within?: <T>(fn: () => T) => T;
  }) {
    this.recorder = options.recorder;
    this.scopeFor = options.scope;
    this.agentName = options.agentName;
    this.onFlushed = options.onFlushed;
    this.within = options.within ?? ((fn) => fn());
    this.scope = options.scope(options.agentName());
  }

  record(direction: AudioDirection, blob: Blob): void {
    // `start` hands back the recorder's promise itself, so the shared "nothing" is recognised:
    // almost every chunk then costs no promise reaction.
    const result = start(this.recordCall.bind(this, direction, blob));
    if (result !== NO_RECORDING_EVENTS) this.batch.add(result);
  }

  private recordCall(direction: AudioDirection, blob: Blob): Promise<Event[]> {
    return this.within(() => this.recorder.record(this.currentScope(), direction, blob));
  }

  /** Records the model audio parts of an event. */
  recordModelAudio(event: Event): void {
    const parts = event.content?.parts;
    if (parts === undefined) return;
    for (const part of parts) {
      const mimeType = part.inlineData?.mimeType;
      if (mimeType?.startsWith('audio/') || mimeType?.toLowerCase().startsWith('audio/'))
        this.record('output', part.inlineData as Blob);
    }
  }

  flush(reason: AudioFlushReason): void {
    const batch = this.batch;
    this.batch = new RecordingBatch();
    const done = batch.close(
      start(() => this.within(() => this.recorder.flush(this.currentScope(), reason))),
    );
    this.tail = this.tail.then(async () => this.onFlushed(await done));
  }

  /** Resolves when every flush made so far was delivered. Never rejects. */
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

  private currentScope(): AudioRecordingScope {
    const agentName = this.agentName();
    if (agentName !== this.scope.agentName) this.scope = this.scopeFor(agentName);
    return this.scope;
  }
}

/** The records since one flush and that flush: settles once every one of them did. */
class RecordingBatch {
  /** Non-empty record results (rare: a segment a limit closed) with their call order. */
  private readonly recorded: Array<{ order: number; events: Event[] }> = [];
  private readonly errors: unknown[] = [];
  private flushEvents: Event[] = [];
  private added = 0;
  private outstanding = 0;
  private closed = false;
  private onDone: ((result: RecordingResult) => void) | undefined;

  add(result: Promise<Event[]>): void {
    const order = this.added++;
    this.outstanding += 1;
    result.then(
      (events) => {
        if (Array.isArray(events) && events.length > 0) this.recorded.push({ order, events });
        this.settleOne();
      },
      (error: unknown) => {
        this.errors.push(error);
        this.settleOne();
      },
    );
  }

  /** The flush ends the batch; resolves with everything it collected. Never rejects. */
  close(flushed: Promise<Event[]>): Promise<RecordingResult> {
    this.closed = true;
    const done = new Promise<RecordingResult>((resolve) => {
      this.onDone = resolve;
    });
    this.outstanding += 1;
    flushed.then(
      (events) => {
        if (Array.isArray(events)) this.flushEvents = events;
        this.settleOne();
      },
      (error: unknown) => {
        this.errors.push(error);
        this.settleOne();
      },
    );
    return done;
  }

  private settleOne(): void {
    this.outstanding -= 1;
    if (!this.closed || this.outstanding > 0) return;
    // In call order, whatever order a recorder settled them in.
    const events = this.recorded.sort((x, y) => x.order - y.order).flatMap((r) => r.events);
    events.push(...this.flushEvents);
    this.onDone?.({ events, errors: this.errors });
  }
}

/** Calls the recorder now; a synchronous throw becomes a rejection (collected like any other). */
function start(call: () => Promise<Event[]>): Promise<Event[]> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
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
  const scope = (name: string) => ({
    appName,
    userId: session.userId,
    sessionId: session.id,
    invocationId,
    agentName: name,
  });
  const { telemetry } = options;
  const within = telemetry && (<T>(fn: () => T) => telemetry.within(fn));
  return new AudioRecording({ recorder: audioRecorder, scope, agentName, onFlushed, within });
}
