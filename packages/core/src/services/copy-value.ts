/** How deep and how many objects and arrays a walk of a JSON-like value goes before giving up. */
export const MAX_DEPTH = 64;
export const MAX_NODES = 10_000;

/**
 * A deep copy of a JSON-like value that shares its strings instead of copying them: strings are
 * immutable, and `structuredClone` would copy every byte (of a multi-megabyte base64 payload, or
 * of the ids and names every stored event repeats). Plain objects, arrays and ordinary class
 * instances (copied to plain objects of their own enumerable properties, as `structuredClone`
 * does) are copied here; anything else (typed arrays, dates, maps, functions, cycles, very deep
 * nesting, or more than 10,000 nodes, which shared references could multiply) goes through
 * `structuredClone`, with its semantics.
 */
export function copyValue<T>(value: T): T {
  const budget = { nodes: MAX_NODES };
  const copied = copyPlain(value, 0, budget);
  return copied === NOT_PLAIN ? structuredClone(value) : (copied as T);
}

const NOT_PLAIN = Symbol('not plain');
export const toStringOf = Object.prototype.toString;

function copyPlain(value: unknown, depth: number, budget: { nodes: number }): unknown {
  if (typeof value === 'function') return NOT_PLAIN;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH || --budget.nodes < 0) return NOT_PLAIN;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = copyPlain(value[i], depth + 1, budget);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out[i] = item;
    }
    return out;
  }
  // Ordinary objects only: a Date, Map, typed array, boxed primitive … says otherwise here.
  if (toStringOf.call(value) !== '[object Object]') return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyPlain((value as Record<string, unknown>)[key], depth + 1, budget);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    out[key] = item;
  }
  return out;
}
