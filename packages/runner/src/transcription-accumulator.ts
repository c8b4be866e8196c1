import type { Transcription } from '@google/genai';

/** What one transcription frame produced: the delta to yield now, and the final if the turn ended. */
export interface TranscriptionStep {
  /** The frame's own text (the delta) as a partial transcription; absent when the frame had no text. */
  partial?: Transcription;
  /** The whole text of the turn, when the frame said `finished`. */
  final?: Transcription;
}

/**
 * Accumulates the deltas of one transcription direction over a turn. The final carries the
 * whole text; it comes from `finished` or, when the server never says so, from a turn signal.
 */
export class TranscriptionAccumulator {
  private text = '';
  private languageCode: string | undefined;

  /** True while deltas are waiting for a final. */
  get hasPending(): boolean {
    return this.text.length > 0;
  }

  add(frame: Transcription): TranscriptionStep {
    const step: TranscriptionStep = {};
    const { text, finished, ...extras } = frame;
    if (typeof text === 'string' && text.length > 0) {
      this.text += text;
      step.partial = { ...extras, text };
    }
    // Word timings and offsets belong to their delta; only the language carries over to the final.
    if (typeof extras.languageCode === 'string') this.languageCode = extras.languageCode;
    if (finished === true) step.final = this.finish();
    return step;
  }

  /** The pending final at a turn boundary; undefined when nothing was transcribed. */
  finishTurn(): Transcription | undefined {
    return this.text.length > 0 ? this.finish() : undefined;
  }

  /** Forgets everything (a new connection starts from a clean turn). */
  reset(): void {
    this.text = '';
    this.languageCode = undefined;
  }

  private finish(): Transcription | undefined {
    if (this.text.length === 0) {
      this.reset();
      return undefined;
    }
    const final: Transcription = { text: this.text, finished: true };
    if (this.languageCode !== undefined) final.languageCode = this.languageCode;
    this.reset();
    return final;
  }
}
