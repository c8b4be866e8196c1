import { ClosedError, InvalidArgumentError } from '@earshot/core';
import type { Blob, Content } from '@google/genai';
import { AsyncQueue, type Taken } from '../run/async-queue.js';
import { type RealtimeBlob, validateContent, validateRealtimeBlob } from './live-input-validation.js';

/** One thing the caller sends to the live model, in the order it was sent. */
export type LiveRequest =
  | { kind: 'realtime'; blob: RealtimeBlob }
  | { kind: 'content'; content: Content }
  | { kind: 'activityStart' }
  | { kind: 'activityEnd' };

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

  /**
   * Sends a content turn (e.g. typed text): `role` `'user'` (default) or `'model'`, each part one
   * of `text`, `inlineData` (base64) or `fileData`.
   */
  sendContent(content: Content): void {
    this.assertOpen();
    this.queue.push({ kind: 'content', content: validateContent(content) });
  }

  /**
   * Sends one chunk of media, `data` base64: audio (`audio/pcm;rate=N`) or a still frame
   * (`image/jpeg`, `image/png`: camera or screen, sent as `realtimeInput.video`). The mime type
   * is matched case-insensitively, whitespace ignored, and sent in canonical form.
   */
  sendRealtime(blob: Blob): void {
    this.assertOpen();
    this.queue.push({ kind: 'realtime', blob: validateRealtimeBlob(blob) });
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
