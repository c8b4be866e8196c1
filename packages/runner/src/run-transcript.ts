import type { Event } from '@earshot/core';
import type { Content } from '@google/genai';

/**
 * What was said in this run, as text turns: final input transcriptions and typed user content
 * as `user`, final output transcriptions and model text as `model`. An agent taking over the
 * conversation gets it as context (a transferred-to agent starts a Gemini session of its own,
 * which knows nothing of the conversation so far). Audio, tool calls and partials are left out.
 */
export class RunTranscript {
  private readonly turns: Content[] = [];

  note(event: Event): void {
    if (event.partial) return;
    if (event.inputTranscription?.text) this.add('user', event.inputTranscription.text);
    else if (event.outputTranscription?.text) this.add('model', event.outputTranscription.text);
    else if (event.content?.parts?.length) {
      const text = event.content.parts
        .filter((part) => typeof part.text === 'string' && !part.thought)
        .map((part) => part.text)
        .join('');
      if (text) this.add(event.content.role === 'model' ? 'model' : 'user', text);
    }
  }

  /** The turns so far (copies), consecutive lines of one speaker merged into one turn. */
  history(): Content[] {
    return this.turns.map((turn) => ({
      role: turn.role,
      parts: (turn.parts ?? []).map((part) => ({ ...part })),
    }));
  }

  private add(role: 'user' | 'model', text: string): void {
    const last = this.turns.at(-1);
    const lastPart = last?.parts?.[0];
    if (last?.role === role && lastPart?.text !== undefined) lastPart.text = `${lastPart.text}\n${text}`;
    else this.turns.push({ role, parts: [{ text }] });
  }
}
