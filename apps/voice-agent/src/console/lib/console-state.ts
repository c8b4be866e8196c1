import type { EventFrame, WireEvent } from '@earshot/bridge/browser';
import { describeEvent } from './event-kind.js';

export interface TranscriptLine {
  id: number;
  who: 'user' | 'model';
  text: string;
  /** Still growing: the deltas so far, replaced by the final when it arrives. */
  partial: boolean;
  via: 'spoken' | 'typed' | 'text';
}

export interface TimelineEntry {
  id: number;
  timestamp: number;
  author: string;
  kind: string;
  summary: string;
  /** The persistence rule that applied; `history` for events loaded from the session. */
  rule: string;
  persisted: boolean;
  event: WireEvent;
  /** Consecutive audio events from one author are one row. */
  count: number;
}

export interface ConsoleState {
  transcript: TranscriptLine[];
  timeline: TimelineEntry[];
  historyTruncated: boolean;
  nextId: number;
}

/** The page keeps the last this many of each (older ones are dropped from the page, not from the session). */
export const MAX_TRANSCRIPT_LINES = 500;
export const MAX_TIMELINE_ENTRIES = 1000;

export const emptyState = (): ConsoleState => ({
  transcript: [],
  timeline: [],
  historyTruncated: false,
  nextId: 1,
});

const last = <T>(items: T[], max: number) => (items.length > max ? items.slice(items.length - max) : items);

/** The session's stored events, on (re)connect: the page starts over from them. */
export function withHistory(events: WireEvent[], truncated: boolean): ConsoleState {
  let state = { ...emptyState(), historyTruncated: truncated };
  for (const event of events)
    state = withEvent(state, { type: 'event', event, rule: 'history', persisted: true });
  return state;
}

export function withEvent(state: ConsoleState, frame: EventFrame): ConsoleState {
  const { event } = frame;
  const { kind, summary } = describeEvent(event);
  let nextId = state.nextId;
  let timeline = state.timeline;
  const previous = timeline[timeline.length - 1];
  if (kind === 'audio' && previous?.kind === 'audio' && previous.author === event.author) {
    timeline = [...timeline.slice(0, -1), { ...previous, count: previous.count + 1, summary }];
  } else {
    const entry: TimelineEntry = {
      id: nextId++,
      timestamp: event.timestamp,
      author: event.author,
      kind,
      summary,
      rule: frame.rule,
      persisted: frame.persisted,
      event,
      count: 1,
    };
    timeline = last([...timeline, entry], MAX_TIMELINE_ENTRIES);
  }
  const transcript = transcriptWith(state.transcript, event, () => nextId++);
  return { ...state, timeline, transcript: last(transcript, MAX_TRANSCRIPT_LINES), nextId };
}

function transcriptWith(lines: TranscriptLine[], event: WireEvent, newId: () => number): TranscriptLine[] {
  const transcription = event.inputTranscription ?? event.outputTranscription;
  if (transcription) {
    const who = event.inputTranscription ? 'user' : 'model';
    const text = transcription.text ?? '';
    // The growing line of this speaker, if any (the other speaker may have a line after it).
    let at = -1;
    for (let i = lines.length - 1; i >= Math.max(0, lines.length - 4); i--) {
      const line = lines[i] as TranscriptLine;
      if (line.who === who && line.partial) {
        at = i;
        break;
      }
    }
    const partial = event.partial === true;
    if (at < 0) {
      if (!text) return lines;
      return [...lines, { id: newId(), who, text, partial, via: 'spoken' }];
    }
    const line = lines[at] as TranscriptLine;
    // Partials are deltas (appended); the final is the whole turn (replaces them).
    const updated = { ...line, text: partial ? line.text + text : text || line.text, partial };
    return [...lines.slice(0, at), updated, ...lines.slice(at + 1)];
  }
  const text = (event.content?.parts ?? [])
    .filter((p) => typeof p.text === 'string' && !p.thought)
    .map((p) => p.text)
    .join('');
  if (!text || event.partial) return lines;
  const who = event.author === 'user' ? 'user' : 'model';
  return [...lines, { id: newId(), who, text, partial: false, via: who === 'user' ? 'typed' : 'text' }];
}
