import { type Event, LIVE_RESUMPTION_HANDLE_KEY } from '@earshot/core';
import { LiveRequestQueue } from '@earshot/runner';
import { pcm16Tone } from '@earshot/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_NAME, createStack, LIVE_RUN_CONFIG, SCRIPTED_TRANSCRIPT, type Stack } from '../src/index.js';

type Turn = { text: string } | { spoken: true };

/** One live run on the stack: sends the turns one after another, returns every yielded event. */
async function converse(stack: Stack, sessionId: string, turns: Turn[]): Promise<Event[]> {
  const queue = new LiveRequestQueue();
  const events: Event[] = [];
  let next = 0;
  const sendNext = () => {
    const turn = turns[next++];
    if (!turn) return queue.close();
    if ('text' in turn) return queue.sendContent({ role: 'user', parts: [{ text: turn.text }] });
    queue.sendActivityStart();
    for (let i = 0; i < 10; i++) {
      queue.sendRealtime({
        data: pcm16Tone({ ms: 40, rate: 16_000, seed: i }).toString('base64'),
        mimeType: 'audio/pcm;rate=16000',
      });
    }
    queue.sendActivityEnd();
  };
  sendNext();
  for await (const event of stack.runner.runLive({
    userId: 'u',
    sessionId,
    liveRequestQueue: queue,
    runConfig: LIVE_RUN_CONFIG,
  })) {
    events.push(event);
    if (event.turnComplete) sendNext();
  }
  return events;
}

const finals = (events: Event[], key: 'inputTranscription' | 'outputTranscription') =>
  events.filter((e) => e[key] && !e.partial).map((e) => e[key]?.text);

describe('the scripted model', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await createStack({ fakeReplyMs: 200 });
  });
  afterAll(() => stack.close());

  it('answers typed text as what the user typed, without a made-up transcript', async () => {
    const events = await converse(stack, 'typed-1', [{ text: 'hello there' }, { text: 'what time is it?' }]);
    expect(finals(events, 'inputTranscription')).toEqual([]);
    expect(finals(events, 'outputTranscription')).toEqual([
      'You typed "hello there". I am the offline scripted model: ask me the time. (turn 1)',
      expect.stringMatching(/^You typed "what time is it\?"\. It is \d\d:\d\d:\d\d UTC\. \(turn 2\)$/),
    ]);
    const calls = events.filter((e) => e.content?.parts?.some((p) => p.functionCall));
    expect(calls).toHaveLength(1); // only the turn that asked for the time
    const session = await stack.sessionService.getSession({
      appName: APP_NAME,
      userId: 'u',
      sessionId: 'typed-1',
    });
    const typed = session?.events.filter((e) => e.author === 'user' && e.content?.parts?.[0]?.text);
    expect(typed?.map((e) => e.content?.parts?.[0]?.text)).toEqual(['hello there', 'what time is it?']);
  });

  it('transcribes a spoken turn as its fixed line and calls the tool', async () => {
    const events = await converse(stack, 'spoken-1', [{ spoken: true }]);
    expect(finals(events, 'inputTranscription')).toEqual([SCRIPTED_TRANSCRIPT]);
    expect(finals(events, 'outputTranscription')).toEqual([
      expect.stringMatching(/^It is .* UTC\. \(turn 1\)$/),
    ]);
  });

  it('a new run of the same session resumes the model from the saved handle', async () => {
    await converse(stack, 'resume-1', [{ spoken: true }]);
    const saved = await stack.sessionService.getSession({
      appName: APP_NAME,
      userId: 'u',
      sessionId: 'resume-1',
    });
    expect(saved?.state[LIVE_RESUMPTION_HANDLE_KEY]).toMatch(/^scripted-/);
    // The scripted model only continues the turn count for a handle it issued: turn 2 means resumed.
    const events = await converse(stack, 'resume-1', [{ text: 'still there?' }]);
    expect(finals(events, 'outputTranscription')).toEqual([expect.stringMatching(/\(turn 2\)$/)]);
  });
});
