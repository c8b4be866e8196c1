import type { AudioRecorder, Event } from '@earshot/core';
import { createEvent } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { AudioRecording, type RecordingResult } from '../src/run/audio-recording.js';

const scope = (agentName: string) => ({
  appName: 'app',
  userId: 'u',
  sessionId: 's',
  invocationId: 'e-1',
  agentName,
});
const event = (id: string): Event => createEvent({ author: 'agent', id });
const blob = { data: 'AAAA', mimeType: 'audio/pcm;rate=16000' };

/** A custom recorder whose results settle when the test says, in any order. */
function controlledRecorder() {
  const pending: Array<{ resolve: (events: Event[]) => void; reject: (error: unknown) => void }> = [];
  const scopes: string[] = [];
  const recorder: AudioRecorder = {
    record: (s) => {
      scopes.push(s.agentName);
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    flush: () => new Promise((resolve, reject) => pending.push({ resolve, reject })),
  };
  return { recorder, pending, scopes };
}

describe('AudioRecording: the hand-off to the recorder, batched per flush', () => {
  it('delivers a batch once all of it settled, records in call order before the flush, batches in order', async () => {
    const { recorder, pending } = controlledRecorder();
    const delivered: RecordingResult[] = [];
    const recording = new AudioRecording({
      recorder,
      scope,
      agentName: () => 'agent',
      onFlushed: (result) => delivered.push(result),
    });
    recording.record('input', blob); // 0
    recording.record('output', blob); // 1
    recording.flush('turnComplete'); // 2
    recording.record('input', blob); // 3
    recording.flush('end'); // 4
    pending[4]?.resolve([event('end')]);
    pending[3]?.resolve([]);
    pending[2]?.resolve([event('flush')]);
    pending[1]?.resolve([event('second')]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(delivered).toEqual([]); // the first record has not settled yet
    pending[0]?.reject(new Error('disk full'));
    await recording.settled();
    expect(delivered.map((r) => r.events.map((e) => e.id))).toEqual([['second', 'flush'], ['end']]);
    expect(delivered[0]?.errors).toEqual([new Error('disk full')]);
    expect(delivered[1]?.errors).toEqual([]);
  });

  it('turns a recorder that throws synchronously into an error of the next flush, never an unhandled rejection', async () => {
    const delivered: RecordingResult[] = [];
    const recording = new AudioRecording({
      recorder: {
        record: () => {
          throw new Error('bad chunk');
        },
        flush: async () => [],
      },
      scope,
      agentName: () => 'agent',
      onFlushed: (result) => delivered.push(result),
    });
    recording.record('input', blob);
    recording.flush('end');
    await recording.settled();
    expect(delivered).toEqual([{ events: [], errors: [new Error('bad chunk')] }]);
  });

  it('shares one scope object between chunks and builds a new one when the agent changes', () => {
    const { recorder } = controlledRecorder();
    const seen: object[] = [];
    const record = recorder.record;
    recorder.record = (s, direction, b) => {
      seen.push(s);
      return record(s, direction, b);
    };
    let agent = 'one';
    const recording = new AudioRecording({ recorder, scope, agentName: () => agent, onFlushed: () => {} });
    recording.record('output', blob);
    recording.record('output', blob);
    agent = 'two';
    recording.record('output', blob);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).not.toBe(seen[1]);
    expect(seen[2]).toMatchObject({ agentName: 'two' });
  });
});
