const MAX_DEPTH = 64;

/**
 * A deep copy of a JSON-like value (plain objects, arrays, primitives) that shares its strings
 * instead of copying them: strings are immutable, and `structuredClone` would copy every byte
 * of a multi-megabyte base64 payload. Anything else (class instances, typed arrays, dates,
 * functions, cycles or very deep nesting) goes through `structuredClone`, with its semantics.
 */
export function copyValue<T>(value: T): T {
  const copied = copyPlain(value, 0);
  return copied === NOT_PLAIN ? structuredClone(value) : (copied as T);
}

const NOT_PLAIN = Symbol('not plain');

function copyPlain(value: unknown, depth: number): unknown {
  if (typeof value === 'function') return NOT_PLAIN;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return NOT_PLAIN;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = copyPlain(value[i], depth + 1);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out[i] = item;
    }
    return out;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyPlain((value as Record<string, unknown>)[key], depth + 1);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    out[key] = item;
  }
  return out;
}
