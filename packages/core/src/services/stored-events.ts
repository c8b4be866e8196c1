import type { Event } from '../events.js';
import { copyValue, MAX_DEPTH, MAX_NODES, toStringOf } from './copy-value.js';

/*
 * How `InMemorySessionService` keeps a session's events. A live conversation appends a few events
 * per turn for hours, and as objects each costs ~5 (the event, its actions, two deltas, a
 * transcription) that every full GC of the process has to mark again. An event that survives a
 * JSON round trip exactly (JSON types only, finite numbers, no `undefined`, no `toJSON`) is kept
 * as its JSON text instead: one string, no pointers to follow, about half the bytes; reads parse
 * it into fresh objects (a deep copy, as the service promises). Anything else is kept as a copy.
 * Timestamps sit in a parallel number array so a time filter parses nothing it drops.
 */
export class StoredEvents {
  private readonly entries: (string | Event)[] = [];
  private readonly timestamps: number[] = [];

  /** Keeps a private copy of `event`: its text, or a deep copy. */
  push(event: Event): void {
    this.entries.push(isJsonExact(event) ? JSON.stringify(event) : copyValue(event));
    this.timestamps.push(event.timestamp);
  }

  /** Fresh copies of the events at or after `afterTimestamp`, the newest `recent` of them. */
  read(afterTimestamp: number | undefined, recent: number | undefined): Event[] {
    // From the newest back, so a `recent` read of a long conversation looks at `recent` entries.
    const limit = recent ?? Number.POSITIVE_INFINITY;
    const picked: Event[] = [];
    for (let i = this.entries.length - 1; i >= 0 && picked.length < limit; i--) {
      if (afterTimestamp !== undefined && (this.timestamps[i] as number) < afterTimestamp) continue;
      const entry = this.entries[i] as string | Event;
      picked.push(typeof entry === 'string' ? (JSON.parse(entry) as Event) : copyValue(entry));
    }
    return picked.reverse();
  }
}

/** True when `JSON.parse(JSON.stringify(value))` gives back an equal value, key for key. */
export function isJsonExact(value: unknown): boolean {
  return jsonExact(value, 0, { nodes: MAX_NODES });
}

function jsonExact(value: unknown, depth: number, budget: { nodes: number }): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_DEPTH || --budget.nodes < 0) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !jsonExact(value[i], depth + 1, budget)) return false;
        }
        return true;
      }
      if (toStringOf.call(value) !== '[object Object]') return false;
      const record = value as Record<string, unknown>;
      if (typeof record.toJSON === 'function') return false;
      for (const key of Object.keys(record)) {
        // JSON.parse makes `__proto__` an own key; an assignment in a copy would not.
        if (key === '__proto__') return false;
        const item = record[key];
        if (item === undefined || !jsonExact(item, depth + 1, budget)) return false;
      }
      return true;
    }
    default:
      return false; // undefined, functions, symbols, bigints
  }
}
