import { ClosedError, InvalidArgumentError } from '@earshot/core';
import type { Blob, Content } from '@google/genai';
import { AsyncQueue, type Taken } from './async-queue.js';

/** One thing the caller sends to the live model, in the order it was sent. */
export type LiveRequest =
  | { kind: 'realtime'; blob: Blob & { data: string; mimeType: string } }
  | { kind: 'content'; content: Content }
  | { kind: 'activityStart' }
  | { kind: 'activityEnd' };

// Standard base64 (what the Live API expects). A flat character class plus a length check:
// linear and stack-safe on multi-megabyte chunks, unlike a grouped `(?:x{4})*` pattern.
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;
const isBase64 = (data: string) => data.length % 4 === 0 && BASE64_CHARS.test(data);

/**
 * The caller's side of a live run: audio, activity signals and content go in, in order, and
 * the runner forwards them to the model as they come. Bad input is rejected synchronously
 * with `InvalidArgumentError` (nothing is enqueued); anything sent after `close()` throws
 * `ClosedError`. A queue feeds one `runLive` at a time.
 */
export class LiveRequestQueue {
  private readonly queue = new AsyncQueue<LiveRequest>();
  private consumer: object | undefined;

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.queue.isClosed;
  }

  /** Requests sent and not yet taken by the runner. */
  get pending(): number {
    return this.queue.size;
  }

  /** Sends a content turn (e.g. typed text); `role` defaults to `'user'`. */
  sendContent(content: Content): void {
    this.assertOpen();
    if (content === null || typeof content !== 'object' || !Array.isArray(content.parts)) {
      throw new InvalidArgumentError('content must be an object with a parts array', { field: 'content' });
    }
    if (content.parts.length === 0) {
      throw new InvalidArgumentError('content.parts must not be empty', { field: 'content.parts' });
    }
    if (content.parts.some((p) => p?.functionCall || p?.functionResponse)) {
      throw new InvalidArgumentError('content must not carry function calls or responses', {
        field: 'content.parts',
      });
    }
    this.queue.push({ kind: 'content', content: { ...content, role: content.role ?? 'user' } });
  }

  /** Sends one chunk of audio: `mimeType` `audio/…` (e.g. `audio/pcm;rate=16000`), `data` base64. */
  sendRealtime(blob: Blob): void {
    this.assertOpen();
    if (blob === null || typeof blob !== 'object') {
      throw new InvalidArgumentError('blob must be an object {data, mimeType}', { field: 'blob' });
    }
    const { data, mimeType } = blob;
    if (typeof mimeType !== 'string' || !mimeType.trim().toLowerCase().startsWith('audio/')) {
      throw new InvalidArgumentError(
        `blob.mimeType must be an audio/* type, got ${JSON.stringify(mimeType)}`,
        {
          field: 'blob.mimeType',
        },
      );
    }
    if (typeof data !== 'string' || data.length === 0 || !isBase64(data)) {
      throw new InvalidArgumentError('blob.data must be a non-empty base64 string', { field: 'blob.data' });
    }
    this.queue.push({ kind: 'realtime', blob: { ...blob, data, mimeType } });
  }

  /** Marks the start of user activity (only meaningful with automatic activity detection off). */
  sendActivityStart(): void {
    this.assertOpen();
    this.queue.push({ kind: 'activityStart' });
  }

  /** Marks the end of user activity (only meaningful with automatic activity detection off). */
  sendActivityEnd(): void {
    this.assertOpen();
    this.queue.push({ kind: 'activityEnd' });
  }

  /** No more input: the run delivers what was sent, finishes work in flight and ends. Idempotent. */
  close(): void {
    this.queue.close();
  }

  /**
   * Takes the next request for the runner: `done` once closed and drained. An aborted
   * `signal` rejects the wait and leaves every unread request queued.
   */
  get(signal?: AbortSignal): Promise<Taken<LiveRequest>> {
    return this.queue.take(signal);
  }

  /** Claims the queue for one run; a second concurrent claim is a caller bug. */
  attach(consumer: object): void {
    if (this.consumer !== undefined && this.consumer !== consumer) {
      throw new InvalidArgumentError('this LiveRequestQueue already feeds another live run', {
        field: 'liveRequestQueue',
      });
    }
    this.consumer = consumer;
  }

  /** Releases a claim made by `attach`. */
  detach(consumer: object): void {
    if (this.consumer === consumer) this.consumer = undefined;
  }

  private assertOpen(): void {
    if (this.queue.isClosed) throw new ClosedError('LiveRequestQueue is closed');
  }
}
