import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  MAX_FILENAME_BYTES,
  MAX_ID_BYTES,
  validateFilename,
  validateId,
  validateNonNegativeInteger,
} from '../src/index.js';

function rejection(fn: () => unknown): InvalidArgumentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected a rejection');
}

describe('validateId', () => {
  it.each(['a:b', 'a/b', '{x}', '*', 'sp ace', 'ünï🎧', '..', 'user', '%2F'])(
    'accepts %j unchanged',
    (id) => {
      expect(validateId('userId', id)).toBe(id);
    },
  );

  it.each([
    ['empty', ''],
    ['NUL', 'a\u0000b'],
    ['newline', 'a\nb'],
    ['carriage return', 'a\rb'],
    ['DEL', 'a\u007f'],
    ['C1 control', 'a\u0085'],
    ['lone surrogate', 'a\ud800'],
    ['too long', 'x'.repeat(MAX_ID_BYTES + 1)],
    ['too long in UTF-8 bytes', 'é'.repeat(MAX_ID_BYTES / 2 + 1)],
  ])('rejects %s and names the field', (_label, id) => {
    const error = rejection(() => validateId('sessionId', id));
    expect(error.field).toBe('sessionId');
    expect(error.message).toContain('sessionId');
    expect(error.code).toBe('INVALID_ARGUMENT');
  });

  it('rejects non-strings', () => {
    expect(rejection(() => validateId('appName', 42)).message).toContain('appName must be a string');
    expect(rejection(() => validateId('appName', undefined)).field).toBe('appName');
  });
});

describe('validateFilename', () => {
  it.each([
    'a.wav',
    'live-audio/e-1/input-1.wav',
    'user:profile.png',
    'user:a/b',
    'a:b',
    '..a',
    'a..',
    'a/.hidden',
    'ü 🎧',
  ])('accepts %j', (name) => {
    expect(validateFilename(name)).toBe(name);
  });

  it.each([
    '',
    '/abs',
    '\\abs',
    '..',
    '.',
    '../x',
    'a/..',
    'a/../b',
    'a/./b',
    'a//b',
    'a/',
    'a\\..\\b',
    'user:',
    'user:/abs',
    'user:../x',
    'a\u0000b',
    'a\nb',
    'x'.repeat(MAX_FILENAME_BYTES + 1),
  ])('rejects %j', (name) => {
    expect(rejection(() => validateFilename(name)).field).toBe('filename');
  });
});

describe('validateNonNegativeInteger', () => {
  it('accepts undefined and integers ≥ 0', () => {
    expect(validateNonNegativeInteger('version', undefined)).toBeUndefined();
    expect(validateNonNegativeInteger('version', 0)).toBe(0);
    expect(validateNonNegativeInteger('version', 7)).toBe(7);
  });
  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3'])('rejects %j', (value) => {
    expect(rejection(() => validateNonNegativeInteger('version', value)).field).toBe('version');
  });
});
