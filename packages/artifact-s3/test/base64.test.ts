import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { type Base64Variant, decodeBase64, encodeBase64 } from '../src/base64.js';

const VARIANTS: Base64Variant[] = ['std', 'nopad', 'url', 'url-pad'];

/** The slow, obviously-right definition: some variant spells the decoded bytes exactly so. */
function roundTrips(data: string): boolean {
  const bytes = Buffer.from(data, 'base64');
  return VARIANTS.some((variant) => encodeBase64(bytes, variant) === data);
}

async function accepted(data: string): Promise<string | undefined> {
  try {
    const { bytes, variant } = await decodeBase64(data);
    return encodeBase64(bytes, variant);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return undefined;
  }
}

describe('base64 decoding that must round-trip', () => {
  it('accepts every spelling of random bytes and gives the same string back', async () => {
    for (let length = 0; length < 40; length++) {
      const bytes = randomBytes(length);
      for (const variant of VARIANTS) {
        const data = encodeBase64(bytes, variant);
        const decoded = await decodeBase64(data);
        expect(decoded.bytes.equals(bytes)).toBe(true);
        expect(encodeBase64(decoded.bytes, decoded.variant)).toBe(data);
      }
    }
  });

  it('agrees with the slow definition on 20,000 random near-base64 strings', async () => {
    const alphabet = 'AQgw+/-_=a9 .\n=é';
    for (let i = 0; i < 20_000; i++) {
      const length = Math.floor(Math.random() * 13);
      let data = '';
      for (let j = 0; j < length; j++) data += alphabet[Math.floor(Math.random() * alphabet.length)];
      const result = await accepted(data);
      expect(result === data, JSON.stringify(data)).toBe(roundTrips(data));
    }
  });

  it('rejects typical garbage', async () => {
    for (const data of ['ab$c', 'QR==', 'QQ=', 'Q', 'QQ==QQ==', 'a+b-', 'QUJD\n', ' QUJD', 'QUJD=']) {
      await expect(decodeBase64(data), data).rejects.toBeInstanceOf(InvalidArgumentError);
    }
  });

  it('decodes a large body in chunks that let the event loop run', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const decoded = await decodeBase64(bytes.toString('base64'));
    clearInterval(timer);
    expect(decoded.bytes.equals(bytes)).toBe(true);
    expect(ticks).toBeGreaterThan(0);
  });
});
