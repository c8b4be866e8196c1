import { InvalidArgumentError } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import {
  expectedBase64Bytes,
  extensionForSubtype,
  formatMimeType,
  parseAudioMimeType,
} from '../src/index.js';

describe('parseAudioMimeType', () => {
  it('reads the rate of audio/pcm', () => {
    const m = parseAudioMimeType('audio/pcm;rate=16000');
    expect(m).toMatchObject({
      essence: 'audio/pcm',
      isPcm: true,
      sampleRate: 16000,
      channels: 1,
      sampleRateSource: 'mime',
    });
  });

  it.each([
    ['AUDIO/PCM;RATE=24000', 24000],
    ['audio/pcm ; rate = 24000', 24000],
    ['  audio/pcm;rate="24000"  ', 24000],
    ['audio/pcm;;rate=8000;', 8000],
    ['audio/pcm; foo=bar; rate=48000', 48000],
    ['audio/pcm;rate=44100;rate=8000', 44100], // first occurrence wins
    ['Audio/Pcm;Rate=22050;Channels=1', 22050],
  ])('tolerates case, spaces, quotes and extra parameters: %s', (mime, rate) => {
    const m = parseAudioMimeType(mime);
    expect(m.isPcm && m.sampleRate).toBe(rate);
  });

  it('uses the given default rate when the mime type has none (and an empty mime type means audio/pcm)', () => {
    for (const mime of ['audio/pcm', 'audio/pcm;', undefined, '', '   ']) {
      const m = parseAudioMimeType(mime, { defaultSampleRate: 24000 });
      expect(m).toMatchObject({ isPcm: true, sampleRate: 24000, sampleRateSource: 'default' });
    }
    expect(parseAudioMimeType('audio/pcm')).toMatchObject({ sampleRate: 16000 });
  });

  it('reads channels', () => {
    expect(parseAudioMimeType('audio/pcm;rate=16000;channels=2')).toMatchObject({ channels: 2 });
  });

  it('keeps quoted values with escapes and semicolons', () => {
    const m = parseAudioMimeType('audio/ogg; codecs="opus; x\\"y"');
    expect(m.parameters.codecs).toBe('opus; x"y');
    expect(formatMimeType(m)).toBe('audio/ogg;codecs="opus; x\\"y"');
  });

  it('treats other audio types as encoded', () => {
    expect(parseAudioMimeType('audio/ogg;codecs=opus')).toMatchObject({ isPcm: false, essence: 'audio/ogg' });
    expect(parseAudioMimeType('audio/L16;rate=16000')).toMatchObject({ isPcm: false, essence: 'audio/l16' });
  });

  it.each([
    'image/png',
    'video/webm',
    'pcm',
    'audio/',
    '/pcm',
    'audio/pc m',
    'audio/pcm;rate=abc',
    'audio/pcm;rate=0',
    'audio/pcm;rate=-16000',
    'audio/pcm;rate=16000.5',
    'audio/pcm;rate=16 000',
    'audio/pcm;rate=999999999',
    'audio/pcm;rate=',
    'audio/pcm;rate',
    'audio/pcm;channels=0',
    'audio/pcm;channels=99',
    'audio/ogg;codecs="opus',
    'audio/ogg;codecs="opus" x',
  ])('rejects %s with InvalidArgumentError', (mime) => {
    expect(() => parseAudioMimeType(mime)).toThrow(InvalidArgumentError);
  });
});

describe('extensionForSubtype', () => {
  it.each([
    ['pcm', 'pcm'],
    ['ogg', 'ogg'],
    ['mpeg', 'mp3'],
    ['webm', 'webm'],
    ['x-wav', 'wav'],
    ['flac', 'flac'],
    ['mp4', 'm4a'],
    ['x-custom+stuff', 'customstuff'],
    ['+', 'bin'],
  ])('%s → %s', (subtype, ext) => {
    expect(extensionForSubtype(subtype)).toBe(ext);
  });
});

describe('expectedBase64Bytes (strict base64 check by decoded length)', () => {
  const STRICT = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;
  const isValidByLength = (s: string) => {
    const expected = expectedBase64Bytes(s);
    return expected >= 0 && Buffer.alloc(expected).write(s, 0, expected, 'base64') === expected;
  };

  it('accepts padded, unpadded and url-safe base64', () => {
    for (const s of [
      '',
      'QQ==',
      'QQ',
      'QUI=',
      'QUI',
      'QUJD',
      '-_-_',
      Buffer.from('hello world').toString('base64'),
    ]) {
      expect(isValidByLength(s), s).toBe(true);
    }
  });

  it('rejects garbage, whitespace, misplaced padding', () => {
    for (const s of [
      'Q',
      'QQ=',
      'QUJD====',
      'QU=D',
      'AA==AAAA',
      'QUJD\n',
      'QU JD',
      'not base64!',
      '====',
      'Q===',
    ]) {
      expect(isValidByLength(s), s).toBe(false);
    }
  });

  it('agrees with a strict regex on 20000 random mutations', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_= !\n.';
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      let s = Buffer.from(Array.from({ length: rand(12) }, () => rand(256))).toString('base64');
      const edits = rand(3);
      for (let e = 0; e < edits; e++) {
        const at = rand(s.length + 1);
        const c = alphabet[rand(alphabet.length)] ?? '';
        s = rand(2) === 0 ? s.slice(0, at) + c + s.slice(at) : s.slice(0, at) + s.slice(at + 1);
      }
      expect(isValidByLength(s), JSON.stringify(s)).toBe(STRICT.test(s));
    }
  });
});
