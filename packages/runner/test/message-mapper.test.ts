import { LiveProtocolError } from '@earshot/core';
import { liveServerFrames as frames, pcm16Tone } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import type { LiveModelMessage } from '../src/connection/live-model.js';
import { LiveMessageMapper, type MappedEvent } from '../src/run/message-mapper.js';

const newMapper = () => new LiveMessageMapper({ invocationId: 'e-inv', agentName: 'helper' });
const map = (mapper: LiveMessageMapper, message: object) => mapper.map(message as LiveModelMessage);

/** A compact, comparable description of a mapped event. */
function describeEvent({ event, boundary, toolCalls }: MappedEvent): string {
  const bits = [event.author];
  if (event.partial !== undefined) bits.push(event.partial ? 'partial' : 'final');
  if (event.inputTranscription) bits.push(`in:${event.inputTranscription.text}`);
  if (event.outputTranscription) bits.push(`out:${event.outputTranscription.text}`);
  for (const part of event.content?.parts ?? []) {
    if (part.text !== undefined) bits.push(`text:${part.text}`);
    if (part.inlineData) bits.push('audio');
    if (part.functionCall) bits.push(`call:${part.functionCall.name}`);
  }
  if (event.turnComplete) bits.push('turnComplete');
  if (event.interrupted) bits.push('interrupted');
  if (event.generationComplete) bits.push('generationComplete');
  if (event.usageMetadata) bits.push('usage');
  if (event.liveSessionResumptionUpdate) bits.push('resumption');
  if (boundary) bits.push(`flush:${boundary}`);
  if (toolCalls) bits.push(`run:${toolCalls.length}`);
  return bits.join(' ');
}

describe('LiveMessageMapper', () => {
  it('passes each audio chunk through as its own event, byte-exact, authored by the agent', () => {
    const mapper = newMapper();
    const pcm = pcm16Tone({ ms: 40, rate: 24_000, seed: 3 });
    const { events } = map(mapper, frames.audio(pcm));
    expect(events).toHaveLength(1);
    const event = events[0]?.event;
    expect(event?.author).toBe('helper');
    expect(event?.invocationId).toBe('e-inv');
    expect(event?.partial).toBeUndefined();
    expect(event?.content?.role).toBe('model');
    const inline = event?.content?.parts?.[0]?.inlineData;
    expect(inline?.mimeType).toBe('audio/pcm;rate=24000');
    expect(Buffer.from(inline?.data ?? '', 'base64').equals(pcm)).toBe(true);
    expect(inline?.data).toBe(pcm.toString('base64'));
  });

  it('splits a multi-part model turn into one event per part, in order', () => {
    const a = pcm16Tone({ ms: 20, rate: 24_000, seed: 1 }).toString('base64');
    const b = pcm16Tone({ ms: 20, rate: 24_000, seed: 2 }).toString('base64');
    const parts = [a, b].map((data) => ({ inlineData: { mimeType: 'audio/pcm;rate=24000', data } }));
    const { events } = map(newMapper(), { serverContent: { modelTurn: { parts } } });
    expect(events.map((e) => e.event.content?.parts?.[0]?.inlineData?.data)).toEqual([a, b]);
  });

  it('yields transcription deltas as partials and the whole text on finished', () => {
    const mapper = newMapper();
    const out = [
      ...map(mapper, frames.inputTranscription('hello ')).events,
      ...map(mapper, frames.inputTranscription('the')).events,
      ...map(mapper, frames.inputTranscription('re', true)).events,
      ...map(mapper, frames.outputTranscription('Hi', false)).events,
      ...map(mapper, frames.outputTranscription(' you', true)).events,
    ];
    expect(out.map(describeEvent)).toEqual([
      'user partial in:hello ',
      'user partial in:the',
      'user partial in:re',
      'user final in:hello there',
      'helper partial out:Hi',
      'helper partial out: you',
      'helper final out:Hi you',
    ]);
    expect(out[3]?.event.inputTranscription).toEqual({ text: 'hello there', finished: true });
  });

  it('emits pending finals (input, output, text) before the turn signal, which carries the flush reason', () => {
    const mapper = newMapper();
    map(mapper, frames.inputTranscription('what time'));
    map(mapper, frames.outputTranscription('It is'));
    map(mapper, frames.outputTranscription(' noon'));
    const { events } = map(mapper, frames.turnComplete());
    expect(events.map(describeEvent)).toEqual([
      'user final in:what time',
      'helper final out:It is noon',
      'helper turnComplete flush:turnComplete',
    ]);
    // The turn is over: the next turn starts empty.
    expect(map(mapper, frames.turnComplete()).events.map(describeEvent)).toEqual([
      'helper turnComplete flush:turnComplete',
    ]);
  });

  it('closes transcriptions at interrupted and at generationComplete too', () => {
    const mapper = newMapper();
    map(mapper, frames.outputTranscription('I was say'));
    expect(map(mapper, frames.interrupted()).events.map(describeEvent)).toEqual([
      'helper final out:I was say',
      'helper interrupted flush:interrupted',
    ]);
    map(mapper, frames.outputTranscription('Done.'));
    expect(map(mapper, frames.generationComplete()).events.map(describeEvent)).toEqual([
      'helper final out:Done.',
      'helper generationComplete flush:generationComplete',
    ]);
  });

  it('does not emit an empty final for finished without text', () => {
    const mapper = newMapper();
    expect(map(mapper, { serverContent: { inputTranscription: { finished: true } } }).events).toEqual([]);
  });

  it('streams text as partials and persists the whole text before the turn signal', () => {
    const mapper = newMapper();
    const first = map(mapper, frames.text('Hel')).events;
    const second = map(mapper, frames.text('lo')).events;
    const end = map(mapper, frames.turnComplete()).events;
    expect([...first, ...second, ...end].map(describeEvent)).toEqual([
      'helper partial text:Hel',
      'helper partial text:lo',
      'helper final text:Hello',
      'helper turnComplete flush:turnComplete',
    ]);
  });

  it('turns a tool call into one function-call event that carries the calls to run', () => {
    const calls = [
      { id: 'c1', name: 'get_weather', args: { city: 'Paris' } },
      { id: 'c2', name: 'get_time', args: {} },
    ];
    const { events } = map(newMapper(), frames.toolCall(calls));
    expect(events.map(describeEvent)).toEqual(['helper call:get_weather call:get_time run:2']);
    expect(events[0]?.event.content).toEqual({
      role: 'model',
      parts: calls.map((functionCall) => ({ functionCall })),
    });
    expect(events[0]?.toolCalls).toEqual(calls);
  });

  it('reports cancellations, usage and resumption updates', () => {
    const mapper = newMapper();
    expect(map(mapper, frames.toolCallCancellation(['c1', 'c2'])).cancelledCallIds).toEqual(['c1', 'c2']);
    const usage = map(mapper, frames.usage({ totalTokenCount: 7 })).events;
    expect(usage.map(describeEvent)).toEqual(['helper usage']);
    expect(usage[0]?.event.usageMetadata).toEqual({ totalTokenCount: 7 });
    const update = map(mapper, frames.resumptionUpdate('h-1')).events;
    expect(update[0]?.event.liveSessionResumptionUpdate).toEqual({ newHandle: 'h-1', resumable: true });
  });

  it('keeps the order of combined keys: content, signal, then usage', () => {
    const mapper = newMapper();
    map(mapper, frames.outputTranscription('Bye'));
    const { events } = map(mapper, {
      serverContent: { turnComplete: true },
      usageMetadata: { totalTokenCount: 3 },
    });
    expect(events.map(describeEvent)).toEqual([
      'helper final out:Bye',
      'helper turnComplete flush:turnComplete',
      'helper usage',
    ]);
  });

  it('ignores setupComplete, goAway and unknown fields', () => {
    const mapper = newMapper();
    for (const message of [frames.setupComplete(), frames.goAway('5s'), { someUnknownField: { x: 1 } }]) {
      expect(map(mapper, message)).toEqual({ events: [], cancelledCallIds: [] });
    }
  });

  it.each([
    ['serverContent is a string', { serverContent: 'garbage' }],
    ['parts is not an array', { serverContent: { modelTurn: { parts: {} } } }],
    [
      'inlineData.data is not a string',
      { serverContent: { modelTurn: { parts: [{ inlineData: { data: 5 } }] } } },
    ],
    ['transcription text is a number', { serverContent: { inputTranscription: { text: 1 } } }],
    ['turnComplete is a string', { serverContent: { turnComplete: 'yes' } }],
    ['functionCalls missing', { toolCall: {} }],
    ['a call without a name', { toolCall: { functionCalls: [{ id: 'x' }] } }],
    ['cancellation ids are numbers', { toolCallCancellation: { ids: [1] } }],
    ['usageMetadata is a number', { usageMetadata: 3 }],
  ])('rejects a malformed message (%s) with LiveProtocolError and maps nothing', (_name, message) => {
    const mapper = newMapper();
    map(mapper, frames.outputTranscription('kept '));
    expect(() => map(mapper, message)).toThrow(LiveProtocolError);
    // The accumulated turn is untouched by the rejected message.
    expect(map(mapper, frames.turnComplete()).events.map(describeEvent)).toEqual([
      'helper final out:kept ',
      'helper turnComplete flush:turnComplete',
    ]);
  });
});
