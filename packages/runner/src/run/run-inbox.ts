import { AsyncQueue, type Taken } from './async-queue.js';
import type { MessageSignal, RunSignal } from './run-signal.js';

/** What handling one signal came to: true when the run has finished, a promise when it had to wait. */
export type HandleOutcome = boolean | Promise<boolean>;

/**
 * The run's ordered inbox, with one shortcut: a server message that arrives while the processing
 * loop is idle (waiting, nothing queued) is handled right there, in the socket callback, instead
 * of waking the loop through a promise, a queue item and an async resumption per message (most
 * messages are model audio, handled synchronously). What that handling leaves for the loop (a
 * promise to wait for, the end of the run, an error) goes in first, and signals raised meanwhile
 * are held until then, so the loop sees everything in the order it happened.
 */
export class RunInbox {
  private readonly queue = new AsyncQueue<RunSignal>();
  /** The loop is waiting in `take()`: the next push goes straight to it. */
  private waiting = false;
  /** A message is being handled inside `deliver()`. */
  private handling = false;
  private readonly held: RunSignal[] = [];

  get size(): number {
    return this.queue.size;
  }

  push(signal: RunSignal): void {
    if (this.handling) {
      this.held.push(signal);
      return;
    }
    this.waiting = false;
    this.queue.push(signal);
  }

  /** A server message: handled at once by `handle` when the loop is idle, else queued for it. */
  deliver(signal: MessageSignal, handle: (signal: MessageSignal) => HandleOutcome): void {
    if (!this.waiting || this.handling || this.queue.size > 0) {
      this.push(signal);
      return;
    }
    this.handling = true;
    let left: RunSignal | undefined;
    try {
      const outcome = handle(signal);
      if (outcome !== false) {
        // Awaited by the loop within this tick; a rejection must not count as unhandled before.
        if (outcome !== true) outcome.catch(() => {});
        left = { kind: 'handled', outcome };
      }
    } catch (error) {
      left = { kind: 'failure', error };
    }
    this.handling = false;
    if (left !== undefined) this.push(left);
    if (this.held.length > 0) {
      for (const held of this.held) this.push(held);
      this.held.length = 0;
    }
  }

  /** The next signal without waiting, if one is queued. */
  tryTake(): RunSignal | undefined {
    return this.queue.tryTake();
  }

  /** The next signal, for the processing loop (its only consumer): waits when none is queued. */
  take(): Promise<Taken<RunSignal>> {
    if (this.queue.size === 0 && !this.queue.isClosed) this.waiting = true;
    return this.queue.take();
  }

  drain(): RunSignal[] {
    return this.queue.drain();
  }

  close(): void {
    this.waiting = false;
    this.queue.close();
  }
}
