/** Result of taking from an {@link AsyncQueue}: an item, or the end of the queue. */
export type Taken<T> = { done: false; value: T } | { done: true; value: undefined };

interface Waiter<T> {
  resolve: (taken: Taken<T>) => void;
  reject: (error: unknown) => void;
  detach: () => void;
}

const DONE = { done: true, value: undefined } as const;

/**
 * An unbounded FIFO with one or more async consumers. Producers never block (the live
 * socket gives no backpressure either); `close()` lets consumers drain what is left and then
 * end, `fail(error)` ends them with that error once drained. Takes can be abandoned through
 * an `AbortSignal` without losing an item: an item is either returned or stays queued.
 */
export class AsyncQueue<T> {
  private items: T[] = [];
  private head = 0;
  private readonly waiters: Waiter<T>[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;

  get size(): number {
    return this.items.length - this.head;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Adds an item; returns false (and drops it) when the queue is already closed. */
  push(item: T): boolean {
    if (this.closed) return false;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.detach();
      waiter.resolve({ done: false, value: item });
    } else {
      this.items.push(item);
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
    if (this.size > 0) return Promise.resolve({ done: false, value: this.dequeue() });
    if (this.closed) return this.failure ? Promise.reject(this.failure.error) : Promise.resolve(DONE);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Taken<T>>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter<T> = {
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Takes the next queued item without waiting (the hot path skips a promise per item). */
  tryTake(): T | undefined {
    return this.size > 0 ? this.dequeue() : undefined;
  }

  /** Takes every queued item without waiting. */
  drain(): T[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }

  private dequeue(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T;
    this.head += 1;
    // Compact now and then so a long-lived queue does not keep a growing dead prefix.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  private end(failure: { error: unknown } | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = failure;
    for (const waiter of this.waiters.splice(0)) {
      waiter.detach();
      if (failure) waiter.reject(failure.error);
      else waiter.resolve(DONE);
    }
  }
}
