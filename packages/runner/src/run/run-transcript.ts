import type { Event } from '@earshot/core';
import type { Content } from '@google/genai';
import {
  BoundedTranscript,
  DEFAULT_TRANSCRIPT_LIMITS,
  type TranscriptLimits,
} from '../continuity/bounded-transcript.js';
import { noteEvent } from '../continuity/session-context.js';

/**
 * What was said in this run, as text turns: final input transcriptions and typed user content
 * as `user`, final output transcriptions and model text as `model`. An agent taking over the
 * conversation gets it as context (a transferred-to agent starts a Gemini session of its own,
 * which knows nothing of the conversation so far). Audio, tool calls and partials are left out.
 * Bounded like the context of a new session: the newest lines within the limits are kept.
 */
export class RunTranscript {
  private readonly transcript: BoundedTranscript;

  constructor(limits: Required<TranscriptLimits> = DEFAULT_TRANSCRIPT_LIMITS) {
    this.transcript = new BoundedTranscript(limits);
  }

  note(event: Event): void {
    noteEvent(this.transcript, event);
  }

  /** The turns so far (fresh objects), consecutive lines of one speaker merged into one turn. */
  history(): Content[] {
    return this.transcript.turns();
  }
}
