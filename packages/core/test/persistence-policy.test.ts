import { describe, expect, it } from 'vitest';
import {
  classifyLiveEvent,
  createEvent,
  type EventInit,
  type PersistenceRule,
  shouldPersist,
} from '../src/index.js';

const audio = { inlineData: { mimeType: 'audio/pcm;rate=24000', data: 'AAAA' } };
const audioFile = { fileData: { fileUri: 'artifact://x', mimeType: 'audio/wav' } };
const call = { functionCall: { id: 'c1', name: 'f', args: {} } };
const response = { functionResponse: { id: 'c1', name: 'f', response: { output: 1 } } };
const text = { text: 'hi' };
const jpeg = { inlineData: { mimeType: 'image/jpeg', data: '/9j/' } };
const png = { inlineData: { mimeType: 'image/png', data: 'iVBO' } };
const video = { inlineData: { mimeType: 'video/mp4', data: 'AAAA' } };
const model = (...parts: object[]) => ({ role: 'model', parts });
const user = (...parts: object[]) => ({ role: 'user', parts });

type Row = [
  label: string,
  init: Omit<EventInit, 'author'> & { author?: string },
  rule: PersistenceRule,
  persisted: boolean,
  saved?: boolean,
];

// One row per table line of DESIGN.md, then the overlaps where the first matching rule must win.
const rows: Row[] = [
  ['1 partial transcription', { partial: true, outputTranscription: { text: 'he' } }, 'partial', false],
  ['1 partial text', { partial: true, content: model(text) }, 'partial', false],
  ['2 raw model audio', { content: model(audio) }, 'raw-media', false],
  [
    '2 raw audio, mime in capitals',
    { content: model({ inlineData: { mimeType: 'AUDIO/PCM', data: '' } }) },
    'raw-media',
    false,
  ],
  ['3 audio file, saveLiveAudio off', { content: model(audioFile) }, 'audio-file', false],
  ['3 audio file, saveLiveAudio on', { content: model(audioFile) }, 'audio-file', true, true],
  ['4 function call', { content: model(call) }, 'tool', true],
  ['4 function response', { content: { role: 'user', parts: [response] } }, 'tool', true],
  [
    '5 final input transcription',
    { inputTranscription: { text: 'hello', finished: true } },
    'transcription',
    true,
  ],
  ['5 final output transcription', { outputTranscription: { text: 'hi' } }, 'transcription', true],
  ['6 usage', { usageMetadata: { totalTokenCount: 3 } }, 'usage', true],
  ['7 turnComplete', { turnComplete: true }, 'control', true],
  ['7 interrupted', { interrupted: true }, 'control', true],
  ['7 generationComplete', { generationComplete: true }, 'control', true],
  ['7 error', { errorCode: 'LIVE_CONNECTION', errorMessage: 'lost' }, 'control', true],
  ['7 transfer', { actions: { transferToAgent: 'b' } }, 'control', true],
  ['7 escalate', { actions: { escalate: true } }, 'control', true],
  ['7 state delta', { actions: { stateDelta: { k: 1 } } }, 'control', true],
  [
    '8 resumption update only',
    { liveSessionResumptionUpdate: { newHandle: 'h', resumable: true } },
    'resumption',
    false,
  ],
  ['9 text content', { content: model(text) }, 'content', true],
  ['2 inline image from the model', { content: model(jpeg) }, 'raw-media', false],
  ['2 inline image from the user', { author: 'user', content: user(png) }, 'raw-media', false],
  ['2 inline video from the model', { content: model(video) }, 'raw-media', false],
  ['2 inline video from the user', { author: 'user', content: user(video) }, 'raw-media', false],
  ['2 raw audio from the user', { author: 'user', content: user(audio) }, 'raw-media', false],
  [
    '2 image, mime in capitals and padded',
    { content: user({ inlineData: { mimeType: ' IMAGE/JPEG ', data: '' } }) },
    'raw-media',
    false,
  ],
  ['2 image beats text in the same content', { content: user(text, png) }, 'raw-media', false],
  [
    '9 non-media inline data',
    { content: model({ inlineData: { mimeType: 'application/pdf', data: '' } }) },
    'content',
    true,
  ],
  [
    '9 an image file reference is content',
    { content: user({ fileData: { fileUri: 'gs://b/x.png', mimeType: 'image/png' } }) },
    'content',
    true,
  ],
  ['10 empty event', {}, 'other', true],
  ['10 empty content', { content: model() }, 'other', true],
  // overlaps: the first matching rule wins
  ['partial beats audio', { partial: true, content: model(audio) }, 'partial', false],
  ['partial beats turnComplete', { partial: true, turnComplete: true }, 'partial', false],
  [
    'raw audio beats a function call in the same content',
    { content: model(audio, call) },
    'raw-media',
    false,
  ],
  ['raw audio beats an audio file', { content: model(audioFile, audio) }, 'raw-media', false],
  ['audio file beats tool', { content: model(call, audioFile) }, 'audio-file', false],
  [
    'tool beats transcription and turnComplete',
    { content: model(text, call), turnComplete: true, outputTranscription: { text: 'x' } },
    'tool',
    true,
  ],
  [
    'transcription beats usage',
    { inputTranscription: { text: 'x' }, usageMetadata: {} },
    'transcription',
    true,
  ],
  ['usage beats turnComplete', { usageMetadata: { totalTokenCount: 1 }, turnComplete: true }, 'usage', true],
  [
    'turnComplete carrying a resumption handle in stateDelta',
    { turnComplete: true, liveSessionResumptionUpdate: { newHandle: 'h' } },
    'control',
    true,
  ],
  [
    'resumption update with content is content',
    { liveSessionResumptionUpdate: { newHandle: 'h' }, content: model(text) },
    'content',
    true,
  ],
  ['empty state delta is not control', { actions: { stateDelta: {} } }, 'other', true],
  ['partial: false is not partial', { partial: false, content: model(text) }, 'content', true],
];

describe('classifyLiveEvent follows the DESIGN.md table, first matching rule wins', () => {
  it.each(rows)('%s', (_label, init, rule, persisted, saved = false) => {
    const event = createEvent({ author: 'agent', ...init });
    const decision = classifyLiveEvent(event, { saveLiveAudio: saved });
    expect(decision).toEqual({ rule, persist: persisted });
    expect(shouldPersist(event, { saveLiveAudio: saved })).toBe(persisted);
  });

  it('is pure: classifying does not touch the event', () => {
    const event = createEvent({ author: 'agent', content: model(audio, call), turnComplete: true });
    const before = structuredClone(event);
    classifyLiveEvent(event, { saveLiveAudio: true });
    expect(event).toEqual(before);
  });
});
