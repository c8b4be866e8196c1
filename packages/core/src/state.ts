/**
 * State key prefixes. A key's prefix decides where it lives:
 * `app:` is shared by every user of the app, `user:` by one user's sessions,
 * `temp:` lives only on the in-process session object and is never stored,
 * anything else belongs to one session.
 */
export const STATE_PREFIX = {
  app: 'app:',
  user: 'user:',
  temp: 'temp:',
} as const;

/** Session-state key under which the runner keeps the latest Gemini Live resumption handle. */
export const LIVE_RESUMPTION_HANDLE_KEY = 'earshot:liveResumptionHandle';

export type StateScope = 'app' | 'user' | 'temp' | 'session';

export function stateScopeOf(key: string): StateScope {
  if (key.startsWith(STATE_PREFIX.app)) return 'app';
  if (key.startsWith(STATE_PREFIX.user)) return 'user';
  if (key.startsWith(STATE_PREFIX.temp)) return 'temp';
  return 'session';
}

/** A state delta split by where it is stored; `temp:` keys are dropped. Prefixes are kept. */
export interface ScopedStateDelta {
  app: Record<string, unknown>;
  user: Record<string, unknown>;
  session: Record<string, unknown>;
}

export function splitStateDelta(delta: Record<string, unknown> | undefined): ScopedStateDelta {
  const out: ScopedStateDelta = { app: {}, user: {}, session: {} };
  if (!delta) return out;
  for (const [key, value] of Object.entries(delta)) {
    if (value === undefined) continue;
    const scope = stateScopeOf(key);
    if (scope !== 'temp') out[scope][key] = value;
  }
  return out;
}

/** The delta without its `temp:` keys: what a backend stores with the event. */
export function withoutTempKeys(delta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(delta)) {
    if (stateScopeOf(key) !== 'temp' && value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * Applies a delta to a state object in place. A `null` value removes the key
 * (the documented way to delete state); `undefined` values are ignored.
 */
export function applyStateDelta(state: Record<string, unknown>, delta: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(delta)) {
    if (value === undefined) continue;
    if (value === null) delete state[key];
    else state[key] = value;
  }
}
