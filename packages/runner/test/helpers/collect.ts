import type { Event } from '@earshot/core';
import { waitUntil } from './wait.js';

/** Consumes a live run in the background and keeps what it yielded and how it ended. */
export interface Collected {
  events: Event[];
  /** Resolves when the generator returned or threw; never rejects. */
  done: Promise<{ error: unknown } | { error: undefined }>;
  error: unknown;
  finished: boolean;
  waitFor(predicate: (event: Event) => boolean, what?: string): Promise<Event>;
  waitForCount(predicate: (event: Event) => boolean, count: number, what?: string): Promise<void>;
}

export function collect(run: AsyncGenerator<Event>): Collected {
  const collected: Collected = {
    events: [],
    error: undefined,
    finished: false,
    done: Promise.resolve({ error: undefined }),
    async waitFor(predicate, what = 'an event') {
      await waitUntil(() => collected.events.some(predicate) || collected.finished, { what });
      const found = collected.events.find(predicate);
      if (!found) throw new Error(`run ended without ${what}: ${String(collected.error)}`);
      return found;
    },
    async waitForCount(predicate, count, what = `${count} events`) {
      await waitUntil(() => collected.events.filter(predicate).length >= count || collected.finished, {
        what,
      });
      if (collected.events.filter(predicate).length < count) throw new Error(`run ended without ${what}`);
    },
  };
  collected.done = (async () => {
    try {
      for await (const event of run) collected.events.push(event);
      return { error: undefined };
    } catch (error) {
      collected.error = error;
      return { error };
    } finally {
      collected.finished = true;
    }
  })();
  return collected;
}

/** A short label per event kind, to compare sequences. */
export function kindOf(event: Event): string {
  const parts = event.content?.parts ?? [];
  if (event.errorCode) return `error:${event.errorCode}`;
  if (parts.some((p) => p.functionCall)) return 'call';
  if (parts.some((p) => p.functionResponse)) return 'response';
  if (parts.some((p) => p.inlineData)) return 'audio';
  if (parts.some((p) => p.fileData)) return 'audio-file';
  if (event.inputTranscription)
    return `${event.partial ? 'partial-' : ''}in:${event.inputTranscription.text}`;
  if (event.outputTranscription)
    return `${event.partial ? 'partial-' : ''}out:${event.outputTranscription.text}`;
  if (parts.some((p) => p.text !== undefined))
    return `${event.partial ? 'partial-' : ''}text:${parts[0]?.text}`;
  if (event.turnComplete) return 'turnComplete';
  if (event.interrupted) return 'interrupted';
  if (event.generationComplete) return 'generationComplete';
  if (event.usageMetadata) return 'usage';
  if (event.liveSessionResumptionUpdate) return 'resumption';
  return 'other';
}
