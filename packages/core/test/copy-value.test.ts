import { describe, expect, it } from 'vitest';
import { copyValue } from '../src/services/copy-value.js';

describe('copyValue (what InMemoryArtifactService stores and returns)', () => {
  it('copies plain objects and arrays deeply, sharing nothing mutable', () => {
    const part = { inlineData: { data: 'AAAA', mimeType: 'audio/wav' }, list: [{ a: 1 }, null, 'x'] };
    const copy = copyValue(part);
    expect(copy).toEqual(part);
    expect(copy).not.toBe(part);
    expect(copy.inlineData).not.toBe(part.inlineData);
    expect(copy.list[0]).not.toBe(part.list[0]);
    part.inlineData.data = 'BBBB';
    (part.list[0] as { a: number }).a = 2;
    expect(copy.inlineData.data).toBe('AAAA');
    expect(copy.list[0]).toEqual({ a: 1 });
  });

  it('keeps undefined fields, as structuredClone does', () => {
    expect(Object.keys(copyValue({ a: undefined, b: 1 }))).toEqual(['a', 'b']);
  });

  it('falls back to structuredClone for anything that is not plain data', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const copy = copyValue({ bytes, when: new Date(5) });
    expect(copy.bytes).toEqual(bytes);
    expect(copy.bytes).not.toBe(bytes);
    expect(copy.when).toBeInstanceOf(Date);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const cycled = copyValue(cyclic);
    expect(cycled.self).toBe(cycled);
    expect(() => copyValue({ f: () => 1 })).toThrow();
  });
});

describe('copyValue on what sessions store', () => {
  it('copies class instances to plain objects of their own fields, as structuredClone does', () => {
    class Actions {
      stateDelta = { a: 1 };
    }
    class AgentEvent {
      id = 'e1';
      actions = new Actions();
      get computed() {
        return 'not an own field';
      }
    }
    const copy = copyValue(new AgentEvent());
    expect(copy).toEqual(structuredClone(new AgentEvent()));
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(copy.actions)).toBe(Object.prototype);
    expect('computed' in copy).toBe(false);
  });

  it('hands values that shared references would multiply to structuredClone (linear)', () => {
    // 40 levels of a diamond: 2^40 paths if copied naively, 41 objects with structuredClone.
    let node: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 40; i++) node = { left: node, right: node };
    const started = performance.now();
    const copy = copyValue(node);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(copy.left).toBe(copy.right); // structuredClone keeps the sharing
  });

  it('falls back for maps and boxed values', () => {
    const copy = copyValue({ map: new Map([[1, 2]]), boxed: Object('x') });
    expect(copy.map).toBeInstanceOf(Map);
    expect(copy.boxed).toBeInstanceOf(String);
  });
});
