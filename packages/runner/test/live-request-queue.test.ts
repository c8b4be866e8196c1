import { ClosedError, InvalidArgumentError } from '@earshot/core';
import type { Blob } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { LiveRequestQueue } from '../src/live-request-queue.js';

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
    ['a video mime type', audio('AAAA', 'image/jpeg')],
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
