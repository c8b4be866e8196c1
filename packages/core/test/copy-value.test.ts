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
