import { describe, expect, it } from 'vitest';
import { decodeSegment, encodeSegment, KeySchema } from '../src/index.js';

const TRICKY = [
  'a:b',
  'a%3Ab',
  '{tag}',
  '}{',
  'star*',
  'q?[x]\\',
  'sp ace',
  'ünï-🎧',
  '%',
  '%25',
  'user',
  '..',
];

describe('key encoding', () => {
  it('keeps unreserved characters and percent-encodes everything else as UTF-8', () => {
    expect(encodeSegment('Az09._~-')).toBe('Az09._~-');
    expect(encodeSegment('a:b')).toBe('a%3Ab');
    expect(encodeSegment('%')).toBe('%25');
    expect(encodeSegment('ü')).toBe('%C3%BC');
    expect(encodeSegment('🎧')).toBe('%F0%9F%8E%A7');
  });

  it('is injective and reversible, and never emits separator, tag or glob characters', () => {
    const encoded = TRICKY.map(encodeSegment);
    expect(new Set(encoded).size).toBe(TRICKY.length);
    for (const [i, e] of encoded.entries()) {
      expect(e).toMatch(/^[A-Za-z0-9._~%-]+$/);
      expect(decodeSegment(e)).toBe(TRICKY[i]);
    }
  });

  it('puts every key of an app behind one hash tag, whatever the ids', () => {
    const schema = new KeySchema('p:');
    for (const id of TRICKY) {
      const keys = [
        ...Object.values(schema.session({ appName: id, userId: id, sessionId: id })),
        ...Object.values(schema.user({ appName: id, userId: id })),
      ];
      for (const key of keys) {
        // Redis hashes the text between the first '{' and the first '}' after it.
        const open = key.indexOf('{');
        const tag = key.slice(open + 1, key.indexOf('}', open));
        expect(tag).toBe(encodeSegment(id));
      }
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('separates (app, user, session) tuples that naive joining would merge', () => {
    const schema = new KeySchema('p:');
    const tuples = [
      ['x', 'a:b', 'c'],
      ['x', 'a', 'b:c'],
      ['x:a', 'b', 'c'],
      ['x', 'a', 'b'],
    ] as const;
    const metas = tuples.map(
      ([appName, userId, sessionId]) => schema.session({ appName, userId, sessionId }).meta,
    );
    expect(new Set(metas).size).toBe(tuples.length);
    // a session id can never reach the user scope keys
    const users = tuples.flatMap(([appName, userId]) => Object.values(schema.user({ appName, userId })));
    for (const meta of metas) expect(users).not.toContain(meta);
  });
});
