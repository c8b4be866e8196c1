import { setTimeout as delay } from 'node:timers/promises';

const BASE_MS = 10;
const CAP_MS = 500;

/**
 * "Full jitter" exponential backoff: a random wait in [0, min(cap, base·2^(attempt-1))].
 * Random waits spread rival writers apart, so each re-listing tends to find a free version.
 */
export function backoffMs(attempt: number): number {
  const ceiling = Math.min(CAP_MS, BASE_MS * 2 ** Math.min(attempt - 1, 16));
  return Math.random() * ceiling;
}

export function sleep(ms: number): Promise<void> {
  return delay(ms).then(() => undefined);
}
