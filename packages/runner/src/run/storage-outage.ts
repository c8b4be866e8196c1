import { type EarshotError, type Event, InvalidArgumentError, StorageError } from '@earshot/core';

/** How much a run holds while its session store is failing; `false` ends the run at the first failed append. */
export interface StorageOutageOptions {
  /** Unpersisted events held at most. Default 1,000. */
  maxEvents?: number;
  /** Their JSON size at most, in bytes. Default 8 MiB. */
  maxBytes?: number;
  /** Longest outage, from the first failed append until every held event is stored. Default 60 s. */
  maxMs?: number;
}

export type StorageOutagePolicy = Required<StorageOutageOptions>;

export const DEFAULT_STORAGE_OUTAGE: Readonly<StorageOutagePolicy> = Object.freeze({
  maxEvents: 1000,
  maxBytes: 8 * 1024 * 1024,
  maxMs: 60_000,
});

/** `errorCode` of the non-fatal, unpersisted event yielded when appends start failing. */
export const STORAGE_DEGRADED = 'STORAGE_DEGRADED';
/** `errorCode` of the non-fatal, unpersisted event yielded once every held event is stored. */
export const STORAGE_RECOVERED = 'STORAGE_RECOVERED';

/** First retry after a failed append, doubling up to the cap. */
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2000;

/**
 * The store stayed down past a bound of `storageOutage`: the run ends with this error. The
 * events still held were yielded but never stored. `cause` is the store's last error.
 */
export class StorageOutageError extends StorageError {
  readonly bound: 'maxEvents' | 'maxBytes' | 'maxMs';
  /** Events yielded but not stored. */
  readonly unpersisted: number;
  readonly outageMs: number;

  constructor(options: {
    bound: StorageOutageError['bound'];
    limit: number;
    unpersisted: number;
    outageMs: number;
    cause: unknown;
  }) {
    const { bound, limit, unpersisted, outageMs, cause } = options;
    super(
      `session storage failing for ${outageMs} ms: storageOutage.${bound} (${limit}) reached with ${unpersisted} event(s) not stored; last error: ${messageOf(cause)}`,
      { cause },
    );
    this.bound = bound;
    this.unpersisted = unpersisted;
    this.outageMs = outageMs;
  }
}

export function storageOutagePolicy(
  options: StorageOutageOptions | false | undefined,
): StorageOutagePolicy | undefined {
  if (options === false) return undefined;
  const policy = { ...DEFAULT_STORAGE_OUTAGE, ...options };
  for (const field of ['maxEvents', 'maxBytes', 'maxMs'] as const) {
    const value = policy[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new InvalidArgumentError(`storageOutage.${field} must be a positive integer`, {
        field: `storageOutage.${field}`,
      });
    }
  }
  return policy;
}

/** Failures worth waiting out: the store itself failing, not a bad event or a deleted session. */
export function isOutage(error: EarshotError): boolean {
  return error.code === 'STORAGE' || error.code === 'CONCURRENCY';
}

export interface OutageBufferOptions {
  policy: StorageOutagePolicy;
  /** Appends one event (the same object, so the same id, on every try: appends are idempotent by id). */
  append: (event: Event) => Promise<void>;
  /** Yields a notice (never persisted). */
  notify: (errorCode: string, errorMessage: string, metadata: Record<string, unknown>) => void;
  /** A bound was reached or the store refused for good: the run must end with this error. */
  onFatal: (error: EarshotError) => void;
  /** Turns anything thrown by `append` into a typed error. */
  typed: (error: unknown) => EarshotError;
}

/**
 * The events a run could not persist, in order, while the store is failing. Every event
 * emitted during the outage queues behind them (so storage keeps the yield order); one retry
 * loop appends the head with backoff until the queue is empty, then reports recovery.
 */
export class OutageBuffer {
  private readonly options: OutageBufferOptions;
  private readonly held: { event: Event; bytes: number }[] = [];
  private head = 0;
  private bytes = 0;
  private since = 0;
  private lastError: EarshotError | undefined;
  private fatal: EarshotError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private cancelPause: (() => void) | undefined;
  private waiters: { resolve: () => void; reject: (error: EarshotError) => void }[] = [];
  private stored = 0;

  constructor(options: OutageBufferOptions) {
    this.options = options;
  }

  /** True from the first failed append until every held event is stored (or the run gave up). */
  get active(): boolean {
    return this.since !== 0;
  }

  /** The error a bound ended the outage with, if any. */
  get failure(): EarshotError | undefined {
    return this.fatal;
  }

  /** The first append failed: report, hold the event, start retrying. */
  begin(event: Event, error: EarshotError): void {
    this.since = Date.now();
    this.lastError = error;
    this.stored = 0;
    this.armDeadline(this.options.policy.maxMs);
    this.options.notify(
      STORAGE_DEGRADED,
      `session storage is failing; events are held and retried: ${error.message}`,
      {
        storageError: error.message,
      },
    );
    this.hold(event);
    void this.retryLoop();
  }

  /** Holds one more event behind the others; throws the fatal error once a bound is reached. */
  hold(event: Event): void {
    if (this.fatal) throw this.fatal;
    const bytes = jsonBytes(event);
    this.held.push({ event, bytes });
    this.bytes += bytes;
    const { maxEvents, maxBytes } = this.options.policy;
    if (this.held.length - this.head > maxEvents) this.fail('maxEvents', maxEvents);
    else if (this.bytes > maxBytes) this.fail('maxBytes', maxBytes);
    if (this.fatal) throw this.fatal;
  }

  /** Resolves once nothing is held (at once when healthy); rejects with the fatal error. */
  settled(): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (!this.active) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Fails the run once the outage has lasted `maxMs` by the clock `outageMs` is read from. A
   * timer may fire a millisecond early by that clock (libuv measures from its cached loop
   * time): it is then armed again for what is left, so the error never reports less than maxMs.
   */
  private armDeadline(ms: number): void {
    this.timer = setTimeout(() => {
      const { maxMs } = this.options.policy;
      const left = maxMs - (Date.now() - this.since);
      if (left > 0) this.armDeadline(left);
      else this.fail('maxMs', maxMs);
    }, ms);
    this.timer.unref?.();
  }

  /** The run is over: stop the timer and the retries (held events stay unstored). */
  close(): void {
    clearTimeout(this.timer);
    if (!this.fatal && this.active) this.fatal = this.outageError('maxMs', this.options.policy.maxMs);
    this.cancelPause?.();
  }

  private async retryLoop(): Promise<void> {
    let delay = FIRST_RETRY_MS;
    while (this.head < this.held.length && !this.fatal) {
      if (delay > 0) await this.pause(delay);
      if (this.fatal) return;
      const item = this.held[this.head] as { event: Event; bytes: number };
      try {
        await this.options.append(item.event);
      } catch (thrown) {
        const error = this.options.typed(thrown);
        this.lastError = error;
        if (!isOutage(error)) {
          this.fail(undefined, 0, error);
          return;
        }
        delay = Math.min(Math.max(delay, FIRST_RETRY_MS) * 2, MAX_RETRY_MS);
        continue;
      }
      if (this.fatal) return;
      this.held[this.head] = undefined as never; // let it be collected
      this.head += 1;
      this.bytes -= item.bytes;
      this.stored += 1;
      delay = 0;
    }
    if (this.fatal) return;
    this.recover();
  }

  private recover(): void {
    const outageMs = Date.now() - this.since;
    clearTimeout(this.timer);
    this.since = 0;
    this.held.length = 0;
    this.head = 0;
    this.bytes = 0;
    this.options.notify(
      STORAGE_RECOVERED,
      `session storage recovered after ${outageMs} ms; ${this.stored} held event(s) stored`,
      {
        outageMs,
        storedEvents: this.stored,
      },
    );
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  private fail(bound: StorageOutageError['bound'] | undefined, limit: number, error?: EarshotError): void {
    if (this.fatal) return;
    clearTimeout(this.timer);
    this.fatal = error ?? this.outageError(bound ?? 'maxMs', limit);
    this.cancelPause?.();
    this.options.onFatal(this.fatal);
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.fatal);
  }

  private outageError(bound: StorageOutageError['bound'], limit: number): StorageOutageError {
    return new StorageOutageError({
      bound,
      limit,
      unpersisted: this.held.length - this.head,
      outageMs: Date.now() - this.since,
      cause: this.lastError,
    });
  }

  /** Sleeps `ms`, cut short when the outage ends for good (a bound reached, the run over). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.cancelPause?.(), ms);
      this.cancelPause = () => {
        clearTimeout(timer);
        this.cancelPause = undefined;
        resolve();
      };
    });
  }
}

function jsonBytes(event: Event): number {
  try {
    return Buffer.byteLength(JSON.stringify(event) ?? '', 'utf8');
  } catch {
    return 0;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
