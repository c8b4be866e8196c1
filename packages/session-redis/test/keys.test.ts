import { describe, expect, it } from 'vitest';
import { decodeSegment, encodeSegment, KeySchema, LAYOUT_VERSION } from '../src/index.js';
import { indexMember, memberSessionId, memberTime } from '../src/keys.js';

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

  it('puts every key of one user behind the (app, user) hash tag and app: state behind the app tag, whatever the ids', () => {
    const schema = new KeySchema('p:');
    // Redis hashes the text between the first '{' and the first '}' after it.
    const tagOf = (key: string) => key.slice(key.indexOf('{') + 1, key.indexOf('}', key.indexOf('{')));
    for (const id of TRICKY) {
      const keys = [
        ...Object.values(schema.session({ appName: id, userId: id, sessionId: id })),
        ...Object.values(schema.user({ appName: id, userId: id })),
      ];
      for (const key of keys) {
        expect(tagOf(key)).toBe(`${encodeSegment(id)}:${encodeSegment(id)}`);
        expect(key.startsWith(`p:${LAYOUT_VERSION}:{`)).toBe(true);
      }
      for (const key of Object.values(schema.app(id))) expect(tagOf(key)).toBe(encodeSegment(id));
      const all = [...keys, ...Object.values(schema.app(id))];
      expect(new Set(all).size).toBe(all.length);
    }
  });

  it('index members sort byte-wise in the listing order and give their time and id back', () => {
    const times = [-1e15, -2.5, -0, 0, 1e-300, 1, 1.5, 1_700_000_000_000, 8.64e15, Number.MAX_VALUE];
    const members = times.map((t) => indexMember(t, 'id'));
    const sorted = [...members].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(sorted.map(memberTime)).toEqual(
      [...times]
        .reverse()
        .map((t) => (t === 0 ? 0 : t))
        .map((t) => (Object.is(t, -0) ? 0 : t)),
    );
    for (const [i, t] of times.entries()) {
      expect(memberTime(members[i] as string)).toBe(t === 0 ? 0 : t);
      expect(memberSessionId(indexMember(t, 'a:b 🎧'))).toBe('a:b 🎧');
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
