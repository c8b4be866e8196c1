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
 * it is held for the next one. Stopping takes nothing more, so input sent after a run stopped
 * stays in the queue.
 *
 * No promise, timer or abort signal per chunk: the queue calls `pump()` synchronously on every
 * send, and `pump()` sends whatever can go now; a pause, a closed connection or an empty queue
 * just returns, and the next `connectTo()` or send picks up from there.
 */
export class InputPump {
  private readonly options: InputPumpOptions;
  private connection: TrackedConnection | undefined;
  /** Taken from the queue but not sent yet (the connection went away meanwhile). */
  private held: LiveRequest | undefined;
  private stopped = false;
  private finished = false;
  /** Inside `pump()`: a send made from a callback of this one is picked up by its loop. */
  private pumping = false;
  private readonly onQueued = () => this.pump();

  constructor(options: InputPumpOptions) {
    this.options = options;
  }

  /** Where input goes from now on; anything held or queued meanwhile is sent there first. */
  connectTo(connection: TrackedConnection): void {
    if (this.stopped) return;
    this.connection = connection;
    this.options.queue.listen(this.onQueued);
    // After the caller's synchronous set-up of the connection (tool answers routed first).
    queueMicrotask(this.onQueued);
  }

  /** The connection is going away: keep input queued until `connectTo`. */
  pause(): void {
    this.connection = undefined;
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
    this.stopped = true;
    this.connection = undefined;
    this.options.queue.listen(undefined);
  }

  /** Sends what can go now, in order; returns when paused, stopped, closed under us or drained. */
  private pump(): void {
    if (this.pumping || this.stopped || this.finished) return;
    const { queue, onSent, onInputClosed } = this.options;
    this.pumping = true;
    try {
      for (;;) {
        const connection = this.connection;
        if (this.stopped || connection === undefined || connection.isClosed) return;
        const request = this.held ?? queue.tryGet();
        if (request === undefined) {
          if (!queue.isClosed) return;
          this.finished = true;
          queue.listen(undefined);
          onInputClosed();
          return;
        }
        this.held = request;
        // The connection closed under us: keep the request for the next one.
        if (!connection.sendRequest(request)) return;
        this.held = undefined;
        onSent(request);
      }
    } catch (error) {
      this.stop();
      this.options.onFailure(error);
    } finally {
      this.pumping = false;
    }
  }
}
