import { type Event, InvalidArgumentError, type ScopedStateDelta, StorageError } from '@earshot/core';

/** Scope letters understood by the Lua scripts (see scripts.ts). */
const SCOPE_CODE = { session: 's', app: 'a', user: 'u' } as const;

/** JSON text of a value; anything JSON cannot represent is rejected before touching Redis. */
export function encodeJson(field: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new InvalidArgumentError(`${field} is not JSON-serializable: ${String(cause)}`, { field, cause });
  }
  if (text === undefined) {
    throw new InvalidArgumentError(`${field} is not JSON-serializable (${typeof value})`, { field });
  }
  return text;
}

/**
 * Flattens a scoped delta into the scripts' ARGV triples `scope, key, value`. A `null`
 * value becomes `''` (delete) unless `keepNull` is set for the scope: `createSession`
 * stores a session-scoped `null` as a value, exactly like the in-memory reference.
 */
export function stateTriples({
  scoped,
  field,
  scopes,
  keepSessionNulls = false,
}: {
  scoped: ScopedStateDelta;
  field: string;
  /** The scopes to flatten: the user slot's (`session`, `user`) or the app slot's (`app`). */
  scopes: readonly ('session' | 'app' | 'user')[];
  keepSessionNulls?: boolean;
}): string[] {
  const out: string[] = [];
  for (const scope of scopes) {
    for (const [key, value] of Object.entries(scoped[scope])) {
      const remove = value === null && !(keepSessionNulls && scope === 'session');
      out.push(SCOPE_CODE[scope], key, remove ? '' : encodeJson(`${field}.${key}`, value));
    }
  }
  return out;
}

/** A flat HGETALL reply (`[field, value, …]`) of JSON values → a state object. */
export function decodeState(flat: unknown): Record<string, unknown> {
  const items = asArray(flat, 'state');
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < items.length; i += 2) {
    const key = asString(items[i], 'state key');
    out[key] = parseJson(asString(items[i + 1], 'state value'), `state ${JSON.stringify(key)}`);
  }
  return out;
}

export function decodeEvents(list: unknown): Event[] {
  return asArray(list, 'events').map((body) => parseJson(asString(body, 'event'), 'event') as Event);
}

/** The scopes written in the user's slot, and in the app's slot. */
export const USER_SLOT_SCOPES = ['session', 'user'] as const;
export const APP_SLOT_SCOPES = ['app'] as const;

/** Merged view state: app, then user, then session scope (prefixes keep them apart). */
export function mergeState(app: unknown, user: unknown, session: unknown): Record<string, unknown> {
  return { ...decodeState(app), ...decodeState(user), ...decodeState(session) };
}

export function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw corrupt(what, value);
  return value;
}

export function asString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw corrupt(what, value);
  return value;
}

export function asNumber(value: unknown, what: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw corrupt(what, value);
  return n;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new StorageError(`stored ${what} is not valid JSON`, { cause });
  }
}

function corrupt(what: string, value: unknown): StorageError {
  return new StorageError(`unexpected reply from Redis for ${what}: ${typeof value}`);
}
