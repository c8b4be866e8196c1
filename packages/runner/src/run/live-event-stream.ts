import type { Event } from '@earshot/core';
import type { AsyncQueue } from './async-queue.js';

/** A started run, as its caller's iterator needs it. */
export interface OpenedRun {
  /** Ends with the run; throws its error once (`failOnce`), then reads as done. */
  readonly output: AsyncQueue<Event>;
  /** Stops the run and resolves once it has ended. */
  stop(): Promise<void>;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * What `runLive` returns: an async generator over the run's events, written by hand. An `async *`
 * method costs, per event, a request object, a resumption of the generator, an `await` of the
 * queue and a second promise for the caller; here `next()` is the output queue's own `take()`,
 * whose result already has the iterator's shape, so an event reaches the caller through one
 * promise. The generator's contract is kept: nothing starts before the first `next()` (which
 * rejects if the run cannot start), `return()` (a `break`) and `throw()` stop the run and wait
 * for its end, and after the end, an error or a `return()` every `next()` is done.
 */
export class LiveEventStream implements AsyncGenerator<Event, void, undefined> {
  private state: 'new' | 'opening' | 'open' | 'done' = 'new';
  private run: OpenedRun | undefined;
  private opening: Promise<void> | undefined;

  constructor(private readonly open: () => Promise<OpenedRun | undefined>) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Event, void>> {
    if (this.state === 'open') return (this.run as OpenedRun).output.take();
    if (this.state === 'done') return Promise.resolve(DONE);
    if (this.state === 'opening') {
      // A second request while the first is opening: done, as a generator would be, if that fails.
      return (this.opening as Promise<void>).then(
        () => this.next(),
        () => DONE,
      );
    }
    this.state = 'opening';
    const opening = this.open().then(
      (run) => {
        this.run = run;
        if (this.state === 'opening') this.state = run === undefined ? 'done' : 'open';
      },
      (error: unknown) => {
        this.state = 'done';
        throw error;
      },
    );
    this.opening = opening;
    return opening.then(() => this.next());
  }

  async return(): Promise<IteratorResult<Event, void>> {
    const opening = this.state === 'opening' ? this.opening : undefined;
    this.state = 'done';
    // A run still starting is stopped once it has started (or failed to).
    await opening?.catch(() => {});
    const run = this.run;
    this.run = undefined;
    await run?.stop();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<Event, void>> {
    await this.return();
    throw error;
  }
}
