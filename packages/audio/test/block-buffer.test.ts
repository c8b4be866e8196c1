import { InvalidArgumentError } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { Base64BlockBuffer } from '../src/block-buffer.js';
import { expectedBase64Bytes } from '../src/index.js';
import { pcmBytes } from './helpers.js';

function append(buffer: Base64BlockBuffer, bytes: Buffer) {
  const data = bytes.toString('base64');
  buffer.appendBase64(data, expectedBase64Bytes(data));
}

describe('Base64BlockBuffer', () => {
  it('round-trips any mix of chunk sizes, including chunks straddling blocks and larger than a block', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (const reserve of [0, 44]) {
      const buffer = new Base64BlockBuffer({ reserve });
      const chunks: Buffer[] = [Buffer.alloc(reserve)];
      const sizes = [1, 2, 3, 1919, 1920, 1921, 12_288, 800_000, 2_000_000];
      for (let i = 0; i < 400; i++) {
        const size = i % 50 === 0 ? (sizes[next(sizes.length)] ?? 1) : next(5000);
        const chunk = pcmBytes(size, i + 1);
        chunks.push(chunk);
        append(buffer, chunk);
      }
      const all = Buffer.concat(chunks);
      buffer.head?.fill(0, 0, reserve);
      expect(buffer.length).toBe(all.length);
      expect(buffer.toBase64()).toBe(all.toString('base64'));
      expect(buffer.toBase64({ trailingZero: true })).toBe(
        Buffer.concat([all, Buffer.alloc(1)]).toString('base64'),
      );
      expect(buffer.toBuffer().equals(all)).toBe(true);
      expect(buffer.toBuffer(reserve).equals(all.subarray(reserve))).toBe(true);
      // Slack is at most one (partly filled) block.
      expect(buffer.capacity - buffer.length).toBeLessThanOrEqual(3 * 262_144);
    }
  });

  it('the pad byte also works when the last block is exactly full', () => {
    const buffer = new Base64BlockBuffer();
    const bytes = pcmBytes(3 * 4096);
    append(buffer, bytes);
    expect(buffer.capacity).toBe(bytes.length);
    expect(buffer.toBase64({ trailingZero: true })).toBe(
      Buffer.concat([bytes, Buffer.alloc(1)]).toString('base64'),
    );
  });

  it('appends nothing for invalid base64, in a block or across blocks', () => {
    const buffer = new Base64BlockBuffer();
    append(buffer, pcmBytes(12_000));
    expect(() => buffer.appendBase64('QUJD!!!!', 6)).toThrow(InvalidArgumentError);
    const straddling = `${pcmBytes(3000).toString('base64').slice(0, -4)}!!!!`;
    expect(() => buffer.appendBase64(straddling, expectedBase64Bytes(straddling))).toThrow(
      InvalidArgumentError,
    );
    expect(buffer.length).toBe(12_000);
    expect(buffer.toBuffer().equals(pcmBytes(12_000))).toBe(true);
    expect(new Base64BlockBuffer().toBase64()).toBe('');
  });
});
