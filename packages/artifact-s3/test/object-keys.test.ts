import { InvalidArgumentError } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import {
  artifactPrefix,
  assertFitsKeyLimit,
  decodeSegment,
  encodeSegment,
  MAX_KEY_BYTES,
  normalizePrefix,
  parseFilename,
  parseVersion,
  scopePrefixes,
  USER_SCOPE,
  versionKey,
} from '../src/object-keys.js';

const scope = { prefix: 'p/', appName: 'app', userId: 'alice', sessionId: 's1' };

describe('object layout', () => {
  it('is {prefix}{app}/{user}/{scope}/{filename}/{version}', () => {
    expect(versionKey(artifactPrefix({ ...scope, filename: 'notes.txt' }), 3)).toBe(
      'p/app/alice/s1/notes.txt/3',
    );
    expect(versionKey(artifactPrefix({ ...scope, filename: 'user:pic.png' }), 0)).toBe(
      `p/app/alice/${USER_SCOPE}/user%3Apic.png/0`,
    );
  });

  it('keeps a filename with "/" as one segment', () => {
    const prefix = artifactPrefix({ ...scope, filename: 'live-audio/inv-1/input-0.wav' });
    expect(prefix).toBe('p/app/alice/s1/live-audio%2Finv-1%2Finput-0.wav/');
    expect(prefix.split('/')).toHaveLength(6); // p, app, alice, s1, filename, ''
  });

  it('gives the user scope a segment no session id can produce, not even "user" or "!user"', () => {
    for (const sessionId of ['user', '!user', 'USER', '%21user', 'user/', '../user', '.', '..']) {
      expect(scopePrefixes({ ...scope, sessionId }).session).not.toBe(scopePrefixes(scope).user);
      expect(encodeSegment(sessionId)).not.toBe(USER_SCOPE);
    }
  });

  it('encodes traversal, %2F tricks, dot segments and unicode into plain ASCII segments', () => {
    expect(encodeSegment('..')).toBe('%2E%2E');
    expect(encodeSegment('.')).toBe('%2E');
    expect(encodeSegment('../x')).toBe('..%2Fx');
    expect(encodeSegment('a%2Fb')).toBe('a%252Fb');
    expect(encodeSegment('/abs')).toBe('%2Fabs');
    expect(encodeSegment('ü 🎤')).toBe('%C3%BC%20%F0%9F%8E%A4');
    expect(encodeSegment("a!*'()~+=:@")).toBe('a%21%2A%27%28%29%7E%2B%3D%3A%40');
    for (const value of ['..', '.', '../x', 'a%2Fb', '/abs', 'ü 🎤', '{*}', 'user:', 'a\\b', '.hidden']) {
      expect(encodeSegment(value)).toMatch(/^[A-Za-z0-9._%-]+$/);
      expect(decodeSegment(encodeSegment(value))).toBe(value);
    }
  });

  it('keeps distinct ids apart: no two values share an encoding', () => {
    const values = ['a/b', 'a%2Fb', 'a%252Fb', 'a b', 'a+b', 'a%20b', 'A/b', '..', '%2E%2E', 'user', '!user'];
    const encoded = new Set(values.map(encodeSegment));
    expect(encoded.size).toBe(values.length);
  });

  it('does not treat keys outside our canonical encoding as ours', () => {
    expect(decodeSegment('a%2fb')).toBeUndefined(); // lowercase hex: not our spelling
    expect(decodeSegment('a!b')).toBeUndefined(); // "!" is never emitted
    expect(decodeSegment('%FF')).toBeUndefined(); // not UTF-8
    expect(decodeSegment('..')).toBeUndefined();
  });

  it('parses only exact version keys', () => {
    const prefix = artifactPrefix({ ...scope, filename: 'f' });
    expect(parseVersion(prefix, `${prefix}0`)).toBe(0);
    expect(parseVersion(prefix, `${prefix}12`)).toBe(12);
    for (const foreign of ['007', '1/0', '-1', '1.5', '', 'x', '1 ', '12345678901234567']) {
      expect(parseVersion(prefix, `${prefix}${foreign}`)).toBeUndefined();
    }
  });

  it('parses filenames only in their own scope', () => {
    const { session, user } = scopePrefixes(scope);
    expect(parseFilename(session, `${session}a%2Fb/0`, false)).toBe('a/b');
    expect(parseFilename(user, `${user}user%3Ax/0`, true)).toBe('user:x');
    expect(parseFilename(session, `${session}user%3Ax/0`, false)).toBeUndefined();
    expect(parseFilename(user, `${user}x/0`, true)).toBeUndefined();
    expect(parseFilename(session, `${session}a/b/0`, false)).toBeUndefined();
    expect(parseFilename(session, `${session}a`, false)).toBeUndefined();
    expect(parseFilename(session, `${session}%2E%2E/0`, false)).toBeUndefined(); // ".." is no filename
  });

  it('rejects artifacts whose keys would exceed 1024 bytes, before any request', () => {
    const long = artifactPrefix({ ...scope, filename: 'é'.repeat(200) }); // 400 UTF-8 bytes → 1200 chars
    expect(() => assertFitsKeyLimit(long)).toThrow(InvalidArgumentError);
    const fits = artifactPrefix({ ...scope, filename: 'a'.repeat(MAX_KEY_BYTES - 40) });
    expect(() => assertFitsKeyLimit(fits)).not.toThrow();
  });

  it('treats the prefix as a folder', () => {
    expect(normalizePrefix(undefined)).toBe('');
    expect(normalizePrefix('')).toBe('');
    expect(normalizePrefix('tenant-1')).toBe('tenant-1/');
    expect(normalizePrefix('a/b/')).toBe('a/b/');
    expect(() => normalizePrefix('a\nb')).toThrow(InvalidArgumentError);
  });
});
