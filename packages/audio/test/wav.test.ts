import { InvalidArgumentError } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { encodeWav, parseWav, WAV_HEADER_BYTES } from '../src/index.js';
import { pcmBytes } from './helpers.js';

function header(wav: Buffer) {
  return {
    riff: wav.toString('latin1', 0, 4),
    riffSize: wav.readUInt32LE(4),
    wave: wav.toString('latin1', 8, 12),
    fmt: wav.toString('latin1', 12, 16),
    fmtSize: wav.readUInt32LE(16),
    audioFormat: wav.readUInt16LE(20),
    channels: wav.readUInt16LE(22),
    sampleRate: wav.readUInt32LE(24),
    byteRate: wav.readUInt32LE(28),
    blockAlign: wav.readUInt16LE(32),
    bitsPerSample: wav.readUInt16LE(34),
    data: wav.toString('latin1', 36, 40),
    dataSize: wav.readUInt32LE(40),
  };
}

describe('WAV', () => {
  it.each([16000, 24000])('writes a canonical 16-bit mono header at %i Hz', (sampleRate) => {
    const pcm = pcmBytes(sampleRate * 2); // one second
    const wav = encodeWav({ pcm, sampleRate, channels: 1 });
    expect(header(wav)).toEqual({
      riff: 'RIFF',
      riffSize: 36 + pcm.length,
      wave: 'WAVE',
      fmt: 'fmt ',
      fmtSize: 16,
      audioFormat: 1,
      channels: 1,
      sampleRate,
      byteRate: sampleRate * 2,
      blockAlign: 2,
      bitsPerSample: 16,
      data: 'data',
      dataSize: pcm.length,
    });
    expect(wav.length).toBe(WAV_HEADER_BYTES + pcm.length);
    expect(parseWav(wav).data.equals(pcm)).toBe(true);
  });

  it('pads an odd data chunk to a word boundary and counts the pad in the RIFF size only', () => {
    const pcm = pcmBytes(4801);
    const wav = encodeWav({ pcm, sampleRate: 24000, channels: 1 });
    expect(wav.length).toBe(WAV_HEADER_BYTES + 4801 + 1);
    expect(wav[wav.length - 1]).toBe(0);
    expect(header(wav)).toMatchObject({ dataSize: 4801, riffSize: 36 + 4802 });
    const parsed = parseWav(wav);
    expect(parsed.data.length).toBe(4801);
    expect(parsed.data.equals(pcm)).toBe(true);
  });

  it('stereo header', () => {
    const wav = encodeWav({ pcm: pcmBytes(16), sampleRate: 24000, channels: 2 });
    expect(header(wav)).toMatchObject({ channels: 2, blockAlign: 4, byteRate: 96000 });
  });

  it('parses files with extra chunks before data (LIST, odd-sized)', () => {
    const pcm = pcmBytes(100);
    const plain = encodeWav({ pcm, sampleRate: 16000, channels: 1 });
    const list = Buffer.concat([
      Buffer.from('LIST'),
      Buffer.from([3, 0, 0, 0]),
      Buffer.from('abc'),
      Buffer.from([0]),
    ]);
    const wav = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
    wav.writeUInt32LE(wav.length - 8, 4);
    const parsed = parseWav(wav);
    expect(parsed).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, audioFormat: 1 });
    expect(parsed.data.equals(pcm)).toBe(true);
  });

  it('rejects what is not a WAV file, or is cut short', () => {
    expect(() => parseWav(Buffer.from('hello world, not a wav'))).toThrow(InvalidArgumentError);
    const wav = encodeWav({ pcm: pcmBytes(100), sampleRate: 16000, channels: 1 });
    expect(() => parseWav(wav.subarray(0, 60))).toThrow(/needs 100 bytes, only 16 left/);
    expect(() => parseWav(wav.subarray(0, 30))).toThrow(InvalidArgumentError);
  });
});
