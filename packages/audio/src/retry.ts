import { InvalidArgumentError } from '@earshot/core';

/** How a failed artifact write (or read, for the mixdown) is retried. */
export interface RetryOptions {
  /** Total tries, the first included. Default 4. */
  attempts?: number;
  /** Wait before the second try. Default 100 ms. */
  initialDelayMs?: number;
  /** Each wait is the previous one times this. Default 2. */
  multiplier?: number;
  /** No wait is longer than this. Default 2000 ms. */
  maxDelayMs?: number;
  /** Each wait is shortened by up to this fraction at random, so many runs do not retry in step. Default 0.2. */
  jitter?: number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export const DEFAULT_RETRY: ResolvedRetryOptions = {
  attempts: 4,
  initialDelayMs: 100,
  multiplier: 2,
  maxDelayMs: 2_000,
  jitter: 0.2,
};

export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const resolved = { ...DEFAULT_RETRY, ...stripUndefined(options) };
  if (!Number.isSafeInteger(resolved.attempts) || resolved.attempts < 1) {
    throw new InvalidArgumentError(`retry.attempts must be an integer >= 1, got ${resolved.attempts}`, {
      field: 'retry.attempts',
    });
  }
  for (const field of ['initialDelayMs', 'maxDelayMs', 'multiplier'] as const) {
    const value = resolved[field];
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`retry.${field} must be a finite number >= 0, got ${value}`, {
        field: `retry.${field}`,
      });
    }
  }
  if (!(resolved.jitter >= 0 && resolved.jitter <= 1)) {
    throw new InvalidArgumentError(`retry.jitter must be within 0..1, got ${resolved.jitter}`, {
      field: 'retry.jitter',
    });
  }
  return resolved;
}

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: unknown; attempts: number };

export interface WithRetryRequest<T> {
  operation: () => Promise<T>;
  options: ResolvedRetryOptions;
  /** Overrides `options.attempts` (e.g. one quick try while the store is known to be down). */
  attempts?: number;
}

/**
 * Runs `operation` until it succeeds or the attempts run out, waiting with exponential backoff
 * in between. `InvalidArgumentError` is not retried: the same request would be refused again.
 * Never throws; the outcome says what happened.
 */
export async function withRetry<T>({
  operation,
  options,
  attempts,
}: WithRetryRequest<T>): Promise<RetryOutcome<T>> {
  const maxAttempts = attempts ?? options.attempts;
  let delay = options.initialDelayMs;
  let attempt = 0;
  for (;;) {
    attempt++;
    try {
      return { ok: true, value: await operation(), attempts: attempt };
    } catch (error) {
      if (attempt >= maxAttempts || error instanceof InvalidArgumentError) {
        return { ok: false, error, attempts: attempt };
      }
    }
    const wait = Math.min(delay, options.maxDelayMs) * (1 - options.jitter * Math.random());
    await new Promise((resolve) => setTimeout(resolve, wait));
    delay *= options.multiplier;
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
