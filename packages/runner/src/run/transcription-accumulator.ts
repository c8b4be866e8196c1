import type { Transcription } from '@google/genai';

/** Longest text one final transcription (or one model text event) carries, in UTF-16 units. */
export const DEFAULT_MAX_TURN_TEXT_CHARS = 64 * 1024;

/** What one transcription frame produced: the delta to yield now, and the final if the turn ended. */
export interface TranscriptionStep {
  /** The frame's own text (the delta) as a partial transcription; absent when the frame had no text. */
  partial?: Transcription;
  /** The whole text of the turn, when the frame said `finished` (or the bound was reached). */
  final?: Transcription;
  /** The final was cut at the bound: the rest of the turn's deltas are yielded, never accumulated. */
  truncated?: boolean;
}

/**
 * Text of one turn with a bound: past `maxChars` it is cut, reported once as reaching the bound,
 * and nothing more of the turn is kept until `reset()` (the turn ended). Memory is bounded
 * whatever a server streams without ever finishing.
 */
export class BoundedTurnText {
  private text = '';
  private overflowed = false;

  constructor(private readonly maxChars: number) {}

  get length(): number {
    return this.text.length;
  }

  /** Appends a delta; true when this delta reached the bound (the caller flushes now, truncated). */
  append(delta: string): boolean {
    if (this.overflowed) return false;
    const room = this.maxChars - this.text.length;
    if (delta.length <= room) {
      this.text += delta;
      return false;
    }
    this.text += delta.slice(0, room);
    this.overflowed = true;
    return true;
  }

  /** The text so far; the turn's overflow state stays until `reset()`. */
  take(): string {
    const text = this.text;
    this.text = '';
    return text;
  }

  reset(): void {
    this.text = '';
    this.overflowed = false;
  }
}

/**
 * Accumulates the deltas of one transcription direction over a turn. The final carries the
 * whole text; it comes from `finished` or, when the server never says so, from a turn signal,
 * or — past `maxChars` — at once, marked truncated (see `BoundedTurnText`).
 */
export class TranscriptionAccumulator {
  private readonly text: BoundedTurnText;
  private languageCode: string | undefined;

  constructor(maxChars = DEFAULT_MAX_TURN_TEXT_CHARS) {
    this.text = new BoundedTurnText(maxChars);
  }

  /** True while deltas are waiting for a final. */
  get hasPending(): boolean {
    return this.text.length > 0;
  }

  add(frame: Transcription): TranscriptionStep {
    const step: TranscriptionStep = {};
    const { text, finished, ...extras } = frame;
    let reachedBound = false;
    if (typeof text === 'string' && text.length > 0) {
      reachedBound = this.text.append(text);
      step.partial = { ...extras, text };
    }
    // Word timings and offsets belong to their delta; only the language carries over to the final.
    if (typeof extras.languageCode === 'string') this.languageCode = extras.languageCode;
    if (reachedBound) {
      step.final = this.final(this.text.take());
      step.truncated = true;
    }
    if (finished === true) {
      const final = this.finish();
      if (final) step.final = final;
    }
    return step;
  }

  /** The pending final at a turn boundary; undefined when nothing (more) was transcribed. */
  finishTurn(): Transcription | undefined {
    return this.finish();
  }

  /** Forgets everything (a new connection starts from a clean turn). */
  reset(): void {
    this.text.reset();
    this.languageCode = undefined;
  }

  private finish(): Transcription | undefined {
    const text = this.text.take();
    const final = text.length > 0 ? this.final(text) : undefined;
    this.reset();
    return final;
  }

  private final(text: string): Transcription {
    const final: Transcription = { text, finished: true };
    if (this.languageCode !== undefined) final.languageCode = this.languageCode;
    return final;
  }
}
