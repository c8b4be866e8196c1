import type { Event } from '../events.js';
import { copyValue, MAX_DEPTH, MAX_NODES, toStringOf } from './copy-value.js';

/*
 * How `InMemorySessionService` keeps a session's events. A live conversation appends a few events
 * per turn for hours. As objects each costs ~5 (the event, its actions, two deltas, a
 * transcription) that every full GC of the process marks again; as JS strings they are one
 * object each, but still old-generation growth that brings the next full GC closer, and in a
 * process holding hundreds of live sessions those full GCs are what sets the latency. So an
 * event that survives a JSON round trip exactly (JSON types only, finite numbers, no
 * `undefined`, no `toJSON`) is kept as UTF-8 bytes in the session's own off-heap chunks, with its
 * place and timestamp in one typed array: nothing per event on the JS heap. Reads parse fresh
 * objects (a deep copy, as the service promises). Anything else is kept as a copy.
 */
const FIRST_CHUNK_BYTES = 1024;
/** Chunks double up to this size; an event larger than it gets a chunk of its own. */
const MAX_CHUNK_BYTES = 64 * 1024;
/** Per entry in `index`: its chunk, byte offset, byte length (COPY: in `copies`), timestamp. */
const FIELDS = 4;
const COPY = -1;

export class StoredEvents {
  /** Full except the last; `used` bytes of the last are taken. */
  private readonly chunks: Buffer[] = [];
  private used = 0;
  private count = 0;
  /** `FIELDS` numbers per entry, grown by doubling (all exact in a double). */
  private index = new Float64Array(16 * FIELDS);
  /** Entries that are not JSON-exact (rare), by entry number; made at the first one. */
  private copies: Map<number, Event> | undefined;

  /** Keeps a private copy of `event`: its JSON text's bytes, or a deep copy. */
  push(event: Event): void {
    if ((this.count + 1) * FIELDS > this.index.length) {
      const grown = new Float64Array(this.index.length * 2);
      grown.set(this.index);
      this.index = grown;
    }
    const at = this.count * FIELDS;
    if (isJsonExact(event)) {
      this.write(at, JSON.stringify(event));
    } else {
      this.copies ??= new Map();
      this.copies.set(this.count, copyValue(event));
      this.index[at + 2] = COPY;
    }
    this.index[at + 3] = event.timestamp;
    this.count += 1;
  }

  /** Fresh copies of the events at or after `afterTimestamp`, the newest `recent` of them. */
  read(afterTimestamp: number | undefined, recent: number | undefined): Event[] {
    // From the newest back, so a `recent` read of a long conversation looks at `recent` entries.
    const limit = recent ?? Number.POSITIVE_INFINITY;
    const picked: Event[] = [];
    for (let i = this.count - 1; i >= 0 && picked.length < limit; i--) {
      if (afterTimestamp !== undefined && (this.index[i * FIELDS + 3] as number) < afterTimestamp) continue;
      picked.push(this.entry(i));
    }
    return picked.reverse();
  }

  private entry(i: number): Event {
    const at = i * FIELDS;
    const length = this.index[at + 2] as number;
    if (length === COPY) return copyValue(this.copies?.get(i) as Event);
    const chunk = this.chunks[this.index[at] as number] as Buffer;
    const offset = this.index[at + 1] as number;
    return JSON.parse(chunk.toString('utf8', offset, offset + length)) as Event;
  }

  private write(at: number, text: string): void {
    let chunk = this.chunks.at(-1);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: measure only when that might not fit.
    if (chunk === undefined || chunk.length - this.used < text.length * 3) {
      const bytes = Buffer.byteLength(text);
      if (chunk === undefined || chunk.length - this.used < bytes) {
        const next = chunk === undefined ? FIRST_CHUNK_BYTES : Math.min(chunk.length * 2, MAX_CHUNK_BYTES);
        // Unpooled: a chunk shares no slab with other Buffers, so dropping the session frees it.
        chunk = Buffer.allocUnsafeSlow(Math.max(next, bytes));
        this.chunks.push(chunk);
        this.used = 0;
      }
    }
    const written = chunk.write(text, this.used, 'utf8');
    this.index[at] = this.chunks.length - 1;
    this.index[at + 1] = this.used;
    this.index[at + 2] = written;
    this.used += written;
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
