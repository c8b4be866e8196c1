import { InvalidArgumentError } from '@earshot/core';

/** Size of the canonical RIFF/WAVE header written here: RIFF + `fmt ` (16 bytes) + `data` chunk header. */
export const WAV_HEADER_BYTES = 44;
/** `fmt ` audio format code of integer PCM. */
export const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
// The largest data chunk a 32-bit RIFF size field can describe next to the header.
const MAX_DATA_BYTES = 0xffff_ffff - (WAV_HEADER_BYTES - 8) - 1;

export interface WavFormat {
  sampleRate: number;
  channels: number;
  /** Default 16. */
  bitsPerSample?: number;
}

export interface WriteWavHeaderRequest extends WavFormat {
  target: Uint8Array;
  /** Where the header starts in `target`. Default 0. */
  offset?: number;
  /** Byte count of the sample data that follows (the pad byte of an odd count is not included). */
  dataBytes: number;
}

/**
 * Writes a 44-byte PCM WAV header. For an odd `dataBytes` the RIFF size accounts for the pad
 * byte that must follow the data (RIFF chunks are word aligned); the caller writes that byte.
 */
export function writeWavHeader({
  target,
  offset = 0,
  dataBytes,
  sampleRate,
  channels,
  bitsPerSample = 16,
}: WriteWavHeaderRequest): void {
  if (!Number.isSafeInteger(dataBytes) || dataBytes < 0 || dataBytes > MAX_DATA_BYTES) {
    throw new InvalidArgumentError(`WAV data size out of range: ${dataBytes}`, { field: 'dataBytes' });
  }
  const blockAlign = channels * Math.ceil(bitsPerSample / 8);
  const view = new DataView(target.buffer, target.byteOffset + offset, WAV_HEADER_BYTES);
  view.setUint32(0, 0x52494646, false); // "RIFF"
  view.setUint32(4, WAV_HEADER_BYTES - 8 + dataBytes + (dataBytes & 1), true);
  view.setUint32(8, 0x57415645, false); // "WAVE"
  view.setUint32(12, 0x666d7420, false); // "fmt "
  view.setUint32(16, 16, true);
  view.setUint16(20, WAVE_FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bitsPerSample, true);
  view.setUint32(36, 0x64617461, false); // "data"
  view.setUint32(40, dataBytes, true);
}

/** A complete WAV file (header, the samples as given, pad byte when their count is odd). */
export function encodeWav({ pcm, ...format }: WavFormat & { pcm: Uint8Array }): Buffer {
  const wav = Buffer.alloc(WAV_HEADER_BYTES + pcm.byteLength + (pcm.byteLength & 1));
  writeWavHeader({ ...format, target: wav, dataBytes: pcm.byteLength });
  wav.set(pcm, WAV_HEADER_BYTES);
  return wav;
}

export interface ParsedWav {
  /** 1 for integer PCM (also reported for WAVE_FORMAT_EXTENSIBLE with a PCM sub-format). */
  audioFormat: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  blockAlign: number;
  /** The `data` chunk's bytes: a view into the input, not a copy. */
  data: Buffer;
}

/**
 * Reads a RIFF/WAVE file: finds `fmt ` and `data` wherever they are (skipping `LIST` and other
 * chunks, honouring pad bytes). Throws `InvalidArgumentError` when it is not a WAV file or is cut short.
 */
export function parseWav(wav: Uint8Array): ParsedWav {
  const bytes = Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength);
  if (
    bytes.length < 12 ||
    bytes.toString('latin1', 0, 4) !== 'RIFF' ||
    bytes.toString('latin1', 8, 12) !== 'WAVE'
  ) {
    throw invalidWav('missing RIFF/WAVE signature');
  }
  let format: Omit<ParsedWav, 'data'> | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.length) throw invalidWav('short fmt chunk');
      const tag = bytes.readUInt16LE(body);
      // WAVE_FORMAT_EXTENSIBLE keeps the real format code in the first two bytes of its sub-format GUID.
      const audioFormat = tag === WAVE_FORMAT_EXTENSIBLE && size >= 40 ? bytes.readUInt16LE(body + 24) : tag;
      format = {
        audioFormat,
        channels: bytes.readUInt16LE(body + 2),
        sampleRate: bytes.readUInt32LE(body + 4),
        blockAlign: bytes.readUInt16LE(body + 12),
        bitsPerSample: bytes.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format) throw invalidWav('data chunk before fmt chunk');
      // 0xFFFFFFFF marks a stream whose length was unknown when the header was written.
      const end = size === 0xffff_ffff ? bytes.length : body + size;
      if (end > bytes.length)
        throw invalidWav(`data chunk needs ${size} bytes, only ${bytes.length - body} left`);
      return { ...format, data: bytes.subarray(body, end) };
    }
    offset = body + size + (size & 1);
  }
  throw invalidWav(format ? 'no data chunk' : 'no fmt chunk');
}

function invalidWav(why: string): InvalidArgumentError {
  return new InvalidArgumentError(`not a valid WAV file: ${why}`, { field: 'wav' });
}
