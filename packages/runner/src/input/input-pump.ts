import type { TrackedConnection } from '../continuity/tracked-connection.js';
import type { LiveRequest, LiveRequestQueue } from './live-request-queue.js';

export interface InputPumpOptions {
  queue: LiveRequestQueue;
  /** After a request went to the model (recording, the user-content event). */
  onSent: (request: LiveRequest) => void;
  /** The caller closed the queue and everything before the close was sent. */
  onInputClosed: () => void;
  onFailure: (error: unknown) => void;
}

/**
 * Forwards the caller's queue to the model connection as items arrive, independently of how
 * fast the caller reads events. While the connection is being replaced (`pause()` until the
 * next `connectTo()`), it stops taking items, so input waits in the queue, in order, and goes
 * to the new connection exactly once. An item never goes to a connection known to be closed:
 * it is held for the next one. Stopping abandons the wait without taking an item, so input
 * sent after a run stopped stays in the queue.
 */
export class InputPump {
  private readonly options: InputPumpOptions;
  private readonly stopping = new AbortController();
  private connection: TrackedConnection | undefined;
  /** Taken from the queue but not sent yet (the connection went away meanwhile). */
  private held: LiveRequest | undefined;
  private waiting: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
  private running = false;
  private finished = false;

  constructor(options: InputPumpOptions) {
    this.options = options;
  }

  /** Where input goes from now on; anything held or queued meanwhile is sent there first. */
  connectTo(connection: TrackedConnection): void {
    this.connection = connection;
    this.wakeUp?.();
    if (!this.running) {
      this.running = true;
      void this.run();
    }
  }

  /** The connection is going away: keep input queued until `connectTo`. */
  pause(): void {
    this.connection = undefined;
    this.waiting?.abort();
  }

  /** True while some input the caller sent has not reached a connection. */
  get hasUndelivered(): boolean {
    return this.held !== undefined || this.options.queue.pending > 0;
  }

  /** True once the queue was closed and everything in it was sent. */
  get isFinished(): boolean {
    return this.finished;
  }

  stop(): void {
    this.stopping.abort();
    this.waiting?.abort();
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    const { queue, onInputClosed, onFailure } = this.options;
    try {
      for (;;) {
        const connection = await this.usableConnection();
        if (connection === undefined) return;
        if (this.held !== undefined) {
          const request = this.held;
          // The connection closed under us: keep the request for the next one.
          if (connection.sendRequest(request)) {
            this.held = undefined;
            this.options.onSent(request);
          }
          continue;
        }
        this.waiting = new AbortController();
        let taken: Awaited<ReturnType<LiveRequestQueue['get']>>;
        try {
          taken = await queue.get(this.waiting.signal);
        } catch (error) {
          // A pause (or stop) abandoned the wait; the item it would have taken stays queued.
          if (this.waiting.signal.aborted) continue;
          throw error;
        } finally {
          this.waiting = undefined;
        }
        if (taken.done) {
          this.finished = true;
          onInputClosed();
          return;
        }
        this.held = taken.value;
      }
    } catch (error) {
      if (!this.stopping.signal.aborted) onFailure(error);
    }
  }

  /** The open connection to send to, waiting through a pause; undefined once stopped. */
  private async usableConnection(): Promise<TrackedConnection | undefined> {
    for (;;) {
      if (this.stopping.signal.aborted) return undefined;
      const connection = this.connection;
      if (connection !== undefined && !connection.isClosed) return connection;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
      });
      this.wakeUp = undefined;
    }
  }
}
