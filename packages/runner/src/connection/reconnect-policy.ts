import { InvalidArgumentError } from '@earshot/core';
import type { SessionResumptionConfig } from '@google/genai';

/** How a run replaces a lost model connection (Runner option `reconnect`). */
export interface ReconnectOptions {
  /**
   * Connect attempts per outage (a drop, a `goAway`, a transfer) before the run fails. The count
   * starts over once a new connection delivered a server message. Default 5; 0 disables
   * reconnecting (every drop ends the run).
   */
  maxAttempts?: number;
  /** Wait before the second attempt; the first one is immediate. Doubles per attempt. Default 250 ms. */
  initialDelayMs?: number;
  /** Upper bound of the wait between attempts. Default 5 000 ms. */
  maxDelayMs?: number;
}

export type ReconnectPolicy = Required<ReconnectOptions>;

export const DEFAULT_RECONNECT: ReconnectPolicy = { maxAttempts: 5, initialDelayMs: 250, maxDelayMs: 5_000 };

export function reconnectPolicy(options: ReconnectOptions | false | undefined): ReconnectPolicy {
  if (options === false) return { ...DEFAULT_RECONNECT, maxAttempts: 0 };
  const policy = { ...DEFAULT_RECONNECT, ...definedOnly(options ?? {}) };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 0) {
    throw new InvalidArgumentError('reconnect.maxAttempts must be a non-negative integer', {
      field: 'reconnect.maxAttempts',
    });
  }
  for (const field of ['initialDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(policy[field]) || policy[field] < 0) {
      throw new InvalidArgumentError(`reconnect.${field} must be a non-negative number of milliseconds`, {
        field: `reconnect.${field}`,
      });
    }
  }
  return policy;
}

/**
 * Wait before attempt `attempt` (0-based) of one outage: none for the first (most drops are a
 * one-off: `goAway`, the session cap), then exponential with jitter so that many runs dropped
 * by one server restart do not come back in lockstep.
 */
export function backoffDelayMs(policy: ReconnectPolicy, attempt: number, random = Math.random): number {
  if (attempt <= 0) return 0;
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (0.5 + random() / 2));
}

/**
 * Close codes that mean the client itself is at fault (protocol error, unsupported or invalid
 * data, policy violation such as a bad key or handle, message too big, missing extension):
 * connecting again would be refused the same way, so these end the run.
 */
const CLIENT_FAULT_CODES = new Set([1002, 1003, 1007, 1008, 1009, 1010]);

/** True when a connection closed with this code may be replaced by a new one. */
export function isReconnectableClose(code: number | undefined): boolean {
  return code === undefined || !CLIENT_FAULT_CODES.has(code);
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects; the caller checks the signal). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The `sessionResumption` of a connect: the run config's settings with `handle` to resume
 * from, or without any handle (a new Gemini session); undefined when the run has resumption off
 * and there is no handle.
 */
export function resumptionFor(
  base: SessionResumptionConfig | undefined,
  handle: string | undefined,
): SessionResumptionConfig | undefined {
  if (handle !== undefined) return { ...base, handle };
  if (base === undefined) return undefined;
  const { handle: _other, ...rest } = base;
  return rest;
}
