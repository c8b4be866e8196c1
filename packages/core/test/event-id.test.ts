import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createEvent, randomEventId } from '../src/index.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomEventId', () => {
  it('makes version 4 UUIDs in the form randomUUID makes them, never the same twice', () => {
    expect(randomUUID()).toMatch(V4);
    const ids = new Set<string>();
    // More than one 4 KiB batch of randomness.
    for (let i = 0; i < 50_000; i++) {
      const id = randomEventId();
      expect(id).toMatch(V4);
      ids.add(id);
    }
    expect(ids.size).toBe(50_000);
    expect(createEvent({ author: 'a' }).id).toMatch(V4);
  });

  it('uses every hex digit in the random positions', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) for (const c of randomEventId().slice(0, 8)) seen.add(c);
    expect(seen.size).toBe(16);
  });

  it('keeps an id a flat string: a tenth of the heap of a randomUUID rope', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const retained = (make: () => string) => {
      gc();
      const before = process.memoryUsage().heapUsed;
      const kept: string[] = [];
      for (let i = 0; i < 20_000; i++) kept.push(make());
      gc();
      const perId = (process.memoryUsage().heapUsed - before) / kept.length;
      expect(kept.length).toBe(20_000);
      return perId;
    };
    const ours = retained(randomEventId);
    const node = retained(() => randomUUID());
    // A flat 36-character string is ~56 bytes (+ 8 for the array slot); Node's rope is ~550.
    expect(ours).toBeLessThan(120);
    expect(node / ours).toBeGreaterThan(3);
  });
});
