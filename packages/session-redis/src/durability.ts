import { InvalidArgumentError, StorageError } from '@earshot/core';

/** `WAIT` after every write until `replicas` replicas acknowledged it, at most `timeoutMs`. */
export interface DurabilityOptions {
  /** Replicas that must acknowledge each write (1 or more). */
  replicas: number;
  /** Longest wait per write, in ms (1 or more; `WAIT` with 0 would block forever). */
  timeoutMs: number;
}

/**
 * A write ran on the master but fewer than the required replicas acknowledged it in time: it
 * may be lost in a failover. The call failed; retrying it (same event id) is safe and waits
 * again. `code` is `STORAGE`, like every other storage failure.
 */
export class DurabilityError extends StorageError {
  readonly acknowledged: number;
  readonly replicas: number;
  readonly timeoutMs: number;

  constructor({
    acknowledged,
    replicas,
    timeoutMs,
  }: { acknowledged: number; replicas: number; timeoutMs: number }) {
    super(
      `the write reached the master but ${acknowledged} of the ${replicas} replica(s) required acknowledged it within ${timeoutMs} ms; it may be lost in a failover (retrying is safe)`,
    );
    this.acknowledged = acknowledged;
    this.replicas = replicas;
    this.timeoutMs = timeoutMs;
  }
}

export function validateDurability(value: unknown): DurabilityOptions | undefined {
  if (value === undefined) return undefined;
  const { replicas, timeoutMs } = (value ?? {}) as Partial<DurabilityOptions>;
  const positiveInt = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
  if (!positiveInt(replicas)) {
    throw new InvalidArgumentError('durability.replicas must be an integer of 1 or more', {
      field: 'durability.replicas',
    });
  }
  if (!positiveInt(timeoutMs)) {
    throw new InvalidArgumentError('durability.timeoutMs must be an integer of 1 or more (ms)', {
      field: 'durability.timeoutMs',
    });
  }
  return { replicas: replicas as number, timeoutMs: timeoutMs as number };
}
