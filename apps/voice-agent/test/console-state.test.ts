import type { EventFrame, WireEvent } from '@earshot/bridge';
import { describe, expect, it } from 'vitest';
import {
  type ConsoleState,
  emptyState,
  MAX_TIMELINE_ENTRIES,
  withEvent,
  withHistory,
} from '../src/console/lib/console-state.js';

let clock = 1_000;
const event = (fields: Partial<WireEvent>): WireEvent =>
  ({
    id: `e${clock}`,
    invocationId: 'i',
    author: 'clock_agent',
    timestamp: clock++,
    actions: { stateDelta: {}, artifactDelta: {} },
    ...fields,
  }) as WireEvent;
const frame = (e: WireEvent, persisted = false): EventFrame => ({
  type: 'event',
  event: e,
  rule: persisted ? 'transcription' : 'partial',
  persisted,
});
const apply = (state: ConsoleState, events: WireEvent[]) =>
  events.reduce((s, e) => withEvent(s, frame(e, !e.partial)), state);
const lines = (state: ConsoleState) =>
  state.transcript.map((l) => `${l.who}${l.partial ? '…' : ''}:${l.via}:${l.text}`);

describe('the console page state', () => {
  it('grows a partial transcript from its deltas and replaces it with the final', () => {
    let state = apply(emptyState(), [
      event({ author: 'user', inputTranscription: { text: 'What time' }, partial: true }),
    ]);
    expect(lines(state)).toEqual(['user…:spoken:What time']);
    state = apply(state, [event({ author: 'user', inputTranscription: { text: ' is it?' }, partial: true })]);
    expect(lines(state)).toEqual(['user…:spoken:What time is it?']);
    state = apply(state, [
      event({ author: 'user', inputTranscription: { text: 'What time is it?', finished: true } }),
      event({ outputTranscription: { text: 'It is' }, partial: true }),
      event({ outputTranscription: { text: ' noon.' }, partial: true }),
      event({ outputTranscription: { text: 'It is noon.', finished: true } }),
    ]);
    expect(lines(state)).toEqual(['user:spoken:What time is it?', 'model:spoken:It is noon.']);
  });

  it('shows typed text as typed, and a final with no partials before it as one line', () => {
    const state = apply(emptyState(), [
      event({ author: 'user', content: { role: 'user', parts: [{ text: 'hello' }] } }),
      event({ outputTranscription: { text: 'You typed "hello".', finished: true } }),
    ]);
    expect(lines(state)).toEqual(['user:typed:hello', 'model:spoken:You typed "hello".']);
  });

  it('rebuilds the page from the history frame, marking each event as stored history', () => {
    const state = withHistory(
      [
        event({ author: 'user', inputTranscription: { text: 'What time is it?', finished: true } }),
        event({ content: { role: 'model', parts: [{ functionCall: { name: 'get_time', args: {} } }] } }),
      ],
      true,
    );
    expect(state.historyTruncated).toBe(true);
    expect(state.timeline.map((e) => [e.kind, e.rule, e.persisted])).toEqual([
      ['heard', 'history', true],
      ['tool call', 'history', true],
    ]);
  });

  it('keeps one row for a run of audio events and at most MAX_TIMELINE_ENTRIES rows', () => {
    const audio = () =>
      event({
        author: 'user',
        content: { role: 'user', parts: [{ inlineData: { mimeType: 'audio/pcm', byteLength: 1280 } }] },
      });
    let state = apply(emptyState(), [audio(), audio(), audio()]);
    expect(state.timeline.map((e) => [e.kind, e.count])).toEqual([['audio', 3]]);
    state = apply(
      state,
      Array.from({ length: MAX_TIMELINE_ENTRIES + 10 }, () => event({ turnComplete: true })),
    );
    expect(state.timeline).toHaveLength(MAX_TIMELINE_ENTRIES);
    expect(state.timeline.at(-1)?.kind).toBe('turn complete');
  });
});
