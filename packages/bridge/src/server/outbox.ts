import type { WebSocket } from 'ws';

interface Queued {
  data: string | Buffer;
  bytes: number;
  /** Model audio may be dropped under backpressure; JSON frames never are. */
  audio: boolean;
}

export interface OutboxOptions {
  /** Bytes written to the socket and not yet flushed, plus bytes queued here, must stay under this. */
  maxBufferedBytes: number;
  /** Called once when the bound is still exceeded after dropping every queued audio frame. */
  onOverflow: (bufferedBytes: number) => void;
  /** Called once, with the first write that failed on an open socket (later failures are the same). */
  onWriteError: (error: Error) => void;
}

/**
 * Everything sent toward one client, with backpressure. Frames go straight to the socket while
 * little is unflushed; beyond that they wait here. When the total would pass
 * `maxBufferedBytes`, the oldest waiting model audio is dropped first (the page hears a gap,
 * never a stale backlog); if even then it does not fit, `onOverflow` fires (the caller closes).
 */
export class Outbox {
  private readonly waiting: Array<Queued | undefined> = [];
  private head = 0;
  /** Index from which to look for audio to drop: everything before it is JSON or gone. */
  private dropFrom = 0;
  private waitingBytes = 0;
  private unflushedBytes = 0;
  private closed = false;
  private failed = false;
  /** Audio frames dropped under backpressure (for tests and logs). */
  droppedAudioFrames = 0;
  droppedAudioBytes = 0;
  private readonly writeWindow: number;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: OutboxOptions,
  ) {
    // Keep a quarter of the budget on the socket so a fast client never waits on this queue.
    this.writeWindow = Math.max(1, Math.floor(options.maxBufferedBytes / 4));
  }

  /** Bytes held for this client right now (unflushed on the socket + waiting here). */
  get bufferedBytes(): number {
    return this.unflushedBytes + this.waitingBytes;
  }

  sendJson(frame: object): void {
    const data = JSON.stringify(frame);
    this.enqueue({ data, bytes: Buffer.byteLength(data, 'utf8'), audio: false });
  }

  sendAudio(pcm: Buffer): void {
    this.enqueue({ data: pcm, bytes: pcm.length, audio: true });
  }

  /** Stops sending; whatever waits is released. */
  close(): void {
    this.closed = true;
    this.waiting.length = 0;
    this.head = 0;
    this.dropFrom = 0;
    this.waitingBytes = 0;
  }

  private enqueue(frame: Queued): void {
    if (this.closed) return;
    if (this.head === this.waiting.length && this.unflushedBytes + frame.bytes <= this.writeWindow) {
      this.write(frame);
      return;
    }
    if (this.bufferedBytes + frame.bytes > this.options.maxBufferedBytes) this.dropAudio(frame.bytes);
    if (this.bufferedBytes + frame.bytes > this.options.maxBufferedBytes) {
      // Audio that does not fit is dropped like older audio; only JSON that cannot fit overflows.
      if (frame.audio) {
        this.countDropped(frame);
        return;
      }
      this.closed = true;
      this.options.onOverflow(this.bufferedBytes + frame.bytes);
      return;
    }
    this.waiting.push(frame);
    this.waitingBytes += frame.bytes;
  }

  /** Drops the oldest waiting audio until `needed` more bytes fit (or no audio is left). */
  private dropAudio(needed: number): void {
    const limit = this.options.maxBufferedBytes - needed;
    for (let i = Math.max(this.dropFrom, this.head); i < this.waiting.length; i++) {
      if (this.bufferedBytes <= limit) return;
      const frame = this.waiting[i];
      this.dropFrom = i + 1;
      if (frame === undefined || !frame.audio) continue;
      this.waiting[i] = undefined;
      this.waitingBytes -= frame.bytes;
      this.countDropped(frame);
    }
  }

  private countDropped(frame: Queued): void {
    this.droppedAudioFrames++;
    this.droppedAudioBytes += frame.bytes;
  }

  private write(frame: Queued): void {
    this.unflushedBytes += frame.bytes;
    this.ws.send(frame.data, { binary: frame.audio }, (error) => {
      this.unflushedBytes -= frame.bytes;
      if (error) {
        // A write racing the close handshake fails by design: only a failure on an open socket is news.
        if (!this.failed && this.ws.readyState === this.ws.OPEN) {
          this.failed = true;
          this.options.onWriteError(error);
        }
        this.close();
        return;
      }
      this.pump();
    });
  }

  private pump(): void {
    while (!this.closed && this.head < this.waiting.length) {
      const frame = this.waiting[this.head];
      if (
        frame !== undefined &&
        this.unflushedBytes + frame.bytes > this.writeWindow &&
        this.unflushedBytes > 0
      ) {
        return;
      }
      this.waiting[this.head++] = undefined;
      if (frame === undefined) continue;
      this.waitingBytes -= frame.bytes;
      this.write(frame);
    }
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
      this.dropFrom = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.dropFrom = Math.max(0, this.dropFrom - this.head);
      this.head = 0;
    }
  }
}
