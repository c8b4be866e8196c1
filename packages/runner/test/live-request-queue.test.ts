import { ClosedError, InvalidArgumentError } from '@earshot/core';
import type { Blob } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';

const audio = (data = 'AAEC', mimeType = 'audio/pcm;rate=16000'): Blob => ({ data, mimeType });

async function drain(queue: LiveRequestQueue) {
  const out = [];
  for (;;) {
    const taken = await queue.get();
    if (taken.done) return out;
    out.push(taken.value);
  }
}

describe('LiveRequestQueue', () => {
  it('delivers every kind of request in the order sent, then ends when closed', async () => {
    const queue = new LiveRequestQueue();
    queue.sendActivityStart();
    queue.sendRealtime(audio('AAAA'));
    queue.sendContent({ parts: [{ text: 'hi' }] });
    queue.sendActivityEnd();
    queue.close();
    expect(await drain(queue)).toEqual([
      { kind: 'activityStart' },
      { kind: 'realtime', blob: { data: 'AAAA', mimeType: 'audio/pcm;rate=16000' } },
      { kind: 'content', content: { role: 'user', parts: [{ text: 'hi' }] } },
      { kind: 'activityEnd' },
    ]);
  });

  it.each([
    ['a video mime type', audio('AAAA', 'video/mp4')],
    ['a gif', audio('AAAA', 'image/gif')],
    ['a non-PCM audio type', audio('AAAA', 'audio/wav')],
    ['a bad rate', audio('AAAA', 'audio/pcm;rate=fast')],
    ['an unknown parameter', audio('AAAA', 'audio/pcm;channels=2')],
    ['an image with parameters', audio('AAAA', 'image/png;q=1')],
    ['no mime type', { data: 'AAAA' }],
    ['octet-stream', audio('AAAA', 'application/octet-stream')],
    ['non-base64 data', audio('not base64!')],
    ['a wrong base64 length', audio('AAA')],
    ['empty data', audio('')],
    ['no data', { mimeType: 'audio/pcm;rate=16000' }],
  ])('rejects %s synchronously with InvalidArgumentError and enqueues nothing', async (_name, blob) => {
    const queue = new LiveRequestQueue();
    expect(() => queue.sendRealtime(blob as Blob)).toThrow(InvalidArgumentError);
    queue.close();
    expect(await drain(queue)).toEqual([]);
  });

  it.each([
    ['AUDIO/PCM;RATE=16000', 'audio/pcm;rate=16000'],
    ['  audio/pcm; rate=24000 ', 'audio/pcm;rate=24000'],
    ['audio/pcm', 'audio/pcm'],
    ['Image/JPEG', 'image/jpeg'],
    [' image/png', 'image/png'],
  ])('accepts %j and enqueues it as %j', async (mimeType, canonical) => {
    const queue = new LiveRequestQueue();
    queue.sendRealtime({ data: 'AAAA', mimeType, displayName: 'dropped: the Gemini API refuses it' });
    queue.close();
    expect(await drain(queue)).toEqual([{ kind: 'realtime', blob: { data: 'AAAA', mimeType: canonical } }]);
  });

  it.each([
    ['a null part', [null]],
    ['a string part', ['hi']],
    ['an empty part', [{}]],
    ['a non-string text', [{ text: 42 }]],
    ['two kinds in one part', [{ text: 'a', inlineData: { data: 'AAAA', mimeType: 'image/png' } }]],
    ['an unknown field', [{ executableCode: { code: 'x' } }]],
    ['inline data without a mime type', [{ inlineData: { data: 'AAAA' } }]],
    ['inline data that is not base64', [{ inlineData: { data: 'no!', mimeType: 'image/png' } }]],
    ['file data without a uri', [{ fileData: { mimeType: 'image/png' } }]],
  ])('rejects content with %s at the call', async (_name, parts) => {
    const queue = new LiveRequestQueue();
    expect(() => queue.sendContent({ parts } as never)).toThrow(InvalidArgumentError);
    expect(() => queue.sendContent({ role: 'system', parts: [{ text: 'x' }] })).toThrow(InvalidArgumentError);
    queue.close();
    expect(await drain(queue)).toEqual([]);
  });

  it('copies accepted content: later changes to the caller object change nothing', async () => {
    const queue = new LiveRequestQueue();
    const content = { parts: [{ text: 'hi' }, { inlineData: { data: 'AAAA', mimeType: ' IMAGE/PNG' } }] };
    queue.sendContent(content);
    content.parts[0] = null as never;
    queue.close();
    expect(await drain(queue)).toEqual([
      {
        kind: 'content',
        content: {
          role: 'user',
          parts: [{ text: 'hi' }, { inlineData: { data: 'AAAA', mimeType: 'image/png' } }],
        },
      },
    ]);
  });

  it('rejects content without parts or with function parts', () => {
    const queue = new LiveRequestQueue();
    expect(() => queue.sendContent({ parts: [] })).toThrow(InvalidArgumentError);
    expect(() => queue.sendContent({} as never)).toThrow(InvalidArgumentError);
    expect(() => queue.sendContent({ parts: [{ functionCall: { name: 'x' } }] })).toThrow(
      InvalidArgumentError,
    );
  });

  it('throws ClosedError on any send after close; close is idempotent', () => {
    const queue = new LiveRequestQueue();
    queue.close();
    queue.close();
    expect(queue.isClosed).toBe(true);
    expect(() => queue.sendRealtime(audio())).toThrow(ClosedError);
    expect(() => queue.sendContent({ parts: [{ text: 'x' }] })).toThrow(ClosedError);
    expect(() => queue.sendActivityStart()).toThrow(ClosedError);
    expect(() => queue.sendActivityEnd()).toThrow(ClosedError);
  });

  it('keeps requests queued when a waiting reader is aborted', async () => {
    const queue = new LiveRequestQueue();
    const controller = new AbortController();
    const waiting = queue.get(controller.signal);
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    queue.sendRealtime(audio('BBBB'));
    expect(await queue.get()).toEqual({ done: false, value: { kind: 'realtime', blob: audio('BBBB') } });
  });

  it('feeds one run at a time', () => {
    const queue = new LiveRequestQueue();
    const first = {};
    queue.attach(first);
    expect(() => queue.attach({})).toThrow(InvalidArgumentError);
    queue.detach(first);
    expect(() => queue.attach({})).not.toThrow();
  });

  it('checks multi-megabyte chunks without blowing the regex stack', () => {
    const queue = new LiveRequestQueue();
    expect(() => queue.sendRealtime(audio(Buffer.alloc(12_000_000, 7).toString('base64')))).not.toThrow();
  });
});
