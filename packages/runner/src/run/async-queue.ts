/** Result of taking from an {@link AsyncQueue}: an item, or the end of the queue. */
export type Taken<T> = { done: false; value: T } | { done: true; value: undefined };

/** A pending take (a class, like `Item`: one is made per wait, often once per message). */
class Waiter<T> {
  /** Removes the abort listener, when the take had a signal. */
  detach: (() => void) | undefined = undefined;
  constructor(
    readonly resolve: (taken: Taken<T>) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

const DONE = { done: true, value: undefined } as const;

/**
 * A taken item. A class rather than an object literal: V8 may pretenure a literal's allocation
 * site, and a result allocated straight into the old generation keeps the (young) item and
 * everything it references alive until the next full GC. Per-message objects stay classes.
 */
class Item<T> {
  readonly done = false as const;
  constructor(readonly value: T) {}
}

/**
 * An unbounded FIFO with one or more async consumers. Producers never block (the live
 * socket gives no backpressure either); `close()` lets consumers drain what is left and then
 * end, `fail(error)` ends them with that error once drained. Takes can be abandoned through
 * an `AbortSignal` without losing an item: an item is either returned or stays queued.
 */
export class AsyncQueue<T> {
  /**
   * With `failOnce`, the failure is thrown to one take and the queue then reads as ended, as an
   * async generator that threw is done (the run's output is read as the `runLive` iterator).
   */
  constructor(private readonly options: { failOnce?: boolean } = {}) {}

  /** A ring: `count` items from `head`; capacity a power of two, doubled when full, reset once empty after a burst. */
  private items: (T | undefined)[] = new Array(8);
  private head = 0;
  private count = 0;
  private readonly waiters: Waiter<T>[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;
  private failureThrown = false;

  get size(): number {
    return this.count;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Adds an item; returns false (and drops it) when the queue is already closed. */
  push(item: T): boolean {
    if (this.closed) return false;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.detach?.();
      waiter.resolve(new Item(item));
    } else {
      this.enqueue(item);
    }
    return true;
  }

  /** No more items; consumers get what is queued, then the end. */
  close(): void {
    this.end(undefined);
  }

  /** No more items; consumers get what is queued, then `error` is thrown. */
  fail(error: unknown): void {
    this.end({ error });
  }

  /** Takes the next item, waiting for one; with `signal`, an abort rejects the wait with its reason. */
  take(signal?: AbortSignal): Promise<Taken<T>> {
    if (this.size > 0) return Promise.resolve(new Item(this.dequeue()));
    if (this.closed) return this.failure ? this.throwFailure(this.failure.error) : Promise.resolve(DONE);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Taken<T>>((resolve, reject) => {
      const waiter = new Waiter<T>(resolve, reject);
      // The run's own loops wait without a signal (once per message): no listener pair then.
      if (signal) {
        const onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.waiters.push(waiter);
    });
  }

  /** Takes the next queued item without waiting (the hot path skips a promise per item). */
  tryTake(): T | undefined {
    return this.size > 0 ? this.dequeue() : undefined;
  }

  /** Takes every queued item without waiting. */
  drain(): T[] {
    const out: T[] = [];
    while (this.count > 0) out.push(this.dequeue());
    return out;
  }

  // A ring rather than push/shift: a queue that is always nearly empty (the common case) reuses
  // the same few slots instead of growing an array and copying it.
  private enqueue(item: T): void {
    const capacity = this.items.length;
    if (this.count === capacity) {
      const grown = new Array<T | undefined>(capacity * 2);
      for (let i = 0; i < capacity; i++) grown[i] = this.items[(this.head + i) & (capacity - 1)];
      this.items = grown;
      this.head = 0;
    }
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count += 1;
  }

  private dequeue(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined; // the slot must not keep the item alive
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count -= 1;
    // After a burst, give the big ring back once it is empty.
    if (this.count === 0 && this.items.length > 1024) {
      this.items = new Array(8);
      this.head = 0;
    }
    return item;
  }

  private end(failure: { error: unknown } | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = failure;
    for (const waiter of this.waiters.splice(0)) {
      waiter.detach?.();
      if (failure && !(this.options.failOnce && this.failureThrown)) {
        this.failureThrown = true;
        waiter.reject(failure.error);
      } else {
        waiter.resolve(DONE);
      }
    }
  }

  private throwFailure(error: unknown): Promise<Taken<T>> {
    if (this.options.failOnce && this.failureThrown) return Promise.resolve(DONE);
    this.failureThrown = true;
    return Promise.reject(error);
  }
}
