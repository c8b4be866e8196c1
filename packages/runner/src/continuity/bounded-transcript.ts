import type { Content } from '@google/genai';

/** Runner option `newSessionContext` (and the bound of a transfer's transcript). */
export interface TranscriptLimits {
  /** Newest events (lines) kept; 0 turns the context off. Default 200. */
  maxEvents?: number;
  /** Characters kept, newest first (older lines are dropped whole); 0 turns it off. Default 20 000. */
  maxChars?: number;
}

export const DEFAULT_TRANSCRIPT_LIMITS: Required<TranscriptLimits> = { maxEvents: 200, maxChars: 20_000 };

interface Line {
  role: 'user' | 'model';
  text: string;
}

/**
 * Lines of a conversation, newest kept: at most `maxEvents` lines and `maxChars` characters
 * (a single line longer than that keeps its end). Memory is bounded by the limits whatever
 * the length of the conversation; `turns()` merges consecutive lines of one speaker.
 */
export class BoundedTranscript {
  private lines: Line[] = [];
  private head = 0;
  private chars = 0;

  constructor(private readonly limits: Required<TranscriptLimits>) {}

  get isEmpty(): boolean {
    return this.head >= this.lines.length;
  }

  add(role: 'user' | 'model', text: string): void {
    const { maxEvents, maxChars } = this.limits;
    if (maxEvents === 0 || maxChars === 0 || text.length === 0) return;
    const kept = text.length > maxChars ? text.slice(text.length - maxChars) : text;
    this.lines.push({ role, text: kept });
    this.chars += kept.length;
    while (this.lines.length - this.head > maxEvents || this.chars > maxChars) {
      this.chars -= (this.lines[this.head] as Line).text.length;
      this.head += 1;
    }
    if (this.head > 256 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
  }

  /** The lines as Gemini content turns, consecutive lines of one speaker merged. */
  turns(): Content[] {
    const turns: Array<{ role: string; text: string }> = [];
    for (let i = this.head; i < this.lines.length; i++) {
      const { role, text } = this.lines[i] as Line;
      const last = turns.at(-1);
      if (last?.role === role) last.text = `${last.text}\n${text}`;
      else turns.push({ role, text });
    }
    return turns.map(({ role, text }) => ({ role, parts: [{ text }] }));
  }
}
