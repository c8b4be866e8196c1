import type { AudioDirection, AudioFlushReason } from '@earshot/core';
import { InvalidArgumentError } from '@earshot/core';
import { type AudioMimeType, extensionForSubtype, formatMimeType, pcmMimeType } from './mime.js';
import { WAV_HEADER_BYTES, writeWavHeader } from './wav.js';

/** Bytes per sample of `audio/pcm` (signed 16-bit little-endian). */
export const PCM_BYTES_PER_SAMPLE = 2;
// First allocation of a segment's buffer; it then doubles up to the segment's limit.
const INITIAL_CAPACITY = 128 * 1024;
// A kept (unwritten) segment is copied into an exact-size buffer when this much of it is slack.
const COMPACT_SLACK_RATIO = 0.25;

/** What a segment's chunks are: PCM (rate, channels) or an encoded format kept as-is. */
export type ChunkFormat =
  | { kind: 'pcm'; key: string; sampleRate: number; channels: number }
  | { kind: 'encoded'; key: string; mimeType: string; extension: string };

export function chunkFormatOf(mime: AudioMimeType): ChunkFormat {
  if (mime.isPcm) {
    return {
      kind: 'pcm',
      key: `pcm/${mime.sampleRate}/${mime.channels}`,
      sampleRate: mime.sampleRate,
      channels: mime.channels,
    };
  }
  const mimeType = formatMimeType(mime);
  return { kind: 'encoded', key: mimeType, mimeType, extension: extensionForSubtype(mime.subtype) };
}

/** Why a segment ended: a flush, a limit, or a change of format or speaking agent. */
export type SegmentCloseReason =
  | AudioFlushReason
  | 'maxSegmentMs'
  | 'maxSegmentBytes'
  | 'formatChange'
  | 'agentChange';

/** How a segment is stored: a WAV file, or its bytes as they came (raw PCM or encoded audio). */
export interface SegmentStorage {
  layout: 'wav' | 'raw';
  mimeType: string;
  extension: string;
}

export function storageFor(format: ChunkFormat, fileFormat: 'wav' | 'pcm'): SegmentStorage {
  if (format.kind === 'encoded')
    return { layout: 'raw', mimeType: format.mimeType, extension: format.extension };
  if (fileFormat === 'wav') return { layout: 'wav', mimeType: 'audio/wav', extension: 'wav' };
  return { layout: 'raw', mimeType: pcmMimeType(format), extension: 'pcm' };
}

export interface SegmentInit {
  direction: AudioDirection;
  format: ChunkFormat;
  storage: SegmentStorage;
  /** Arrival time of the first chunk (ms since epoch). */
  firstArrivalMs: number;
  /** The ms in the filename: the first arrival, made unique per direction and run. */
  startMs: number;
  filename: string;
  /** Speaking agent when the segment started; authors output events. */
  agentName: string;
  /** Payload bytes at which the segment is full, and which limit that is. */
  limitBytes: number;
  limitReason: 'maxSegmentMs' | 'maxSegmentBytes';
  /** Bytes of the first chunk, to size the first allocation. */
  firstChunkBytes: number;
}

/**
 * One recording being collected: chunks are base64-decoded straight into one buffer that
 * doubles (never past the segment limit) and keeps room for the WAV header in front, so
 * closing it needs no further copy of the audio.
 */
export class Segment {
  readonly direction: AudioDirection;
  readonly format: ChunkFormat;
  readonly storage: SegmentStorage;
  readonly firstArrivalMs: number;
  readonly startMs: number;
  readonly filename: string;
  readonly agentName: string;
  readonly limitBytes: number;
  readonly limitReason: 'maxSegmentMs' | 'maxSegmentBytes';
  chunkCount = 0;
  closeReason: SegmentCloseReason | undefined;
  /** Set once stored. */
  version: number | undefined;
  /** Set when the pending-memory bound made us give the audio up. */
  dropped = false;
  private buffer: Buffer | undefined;
  private payloadBytes = 0;

  constructor(init: SegmentInit) {
    this.direction = init.direction;
    this.format = init.format;
    this.storage = init.storage;
    this.firstArrivalMs = init.firstArrivalMs;
    this.startMs = init.startMs;
    this.filename = init.filename;
    this.agentName = init.agentName;
    this.limitBytes = init.limitBytes;
    this.limitReason = init.limitReason;
    const payload = Math.max(init.firstChunkBytes, Math.min(init.limitBytes, INITIAL_CAPACITY));
    this.buffer = Buffer.allocUnsafe(WAV_HEADER_BYTES + payload + 1);
  }

  /** Payload bytes collected (without any header). */
  get byteLength(): number {
    return this.payloadBytes;
  }

  /** Bytes per second of PCM audio, or undefined for encoded audio. */
  get bytesPerSecond(): number | undefined {
    return this.format.kind === 'pcm'
      ? this.format.sampleRate * this.format.channels * PCM_BYTES_PER_SAMPLE
      : undefined;
  }

  /** Duration of PCM audio in ms (whole frames only), or undefined for encoded audio. */
  get durationMs(): number | undefined {
    if (this.format.kind !== 'pcm') return undefined;
    const frameBytes = this.format.channels * PCM_BYTES_PER_SAMPLE;
    return (Math.floor(this.payloadBytes / frameBytes) * 1000) / this.format.sampleRate;
  }

  /** Memory held by this segment's buffer. */
  get heldBytes(): number {
    return this.buffer?.length ?? 0;
  }

  /**
   * Decodes one base64 chunk onto the end. `expectedBytes` comes from `expectedBase64Bytes`; a
   * shorter decode means invalid characters, and then nothing is appended. Returns the byte
   * offset at which the chunk starts.
   */
  appendBase64(data: string, expectedBytes: number): number {
    const buffer = this.reserve(expectedBytes);
    const start = this.payloadBytes;
    const written = buffer.write(data, WAV_HEADER_BYTES + start, expectedBytes, 'base64');
    if (written !== expectedBytes) {
      throw new InvalidArgumentError('blob.data is not valid base64', { field: 'blob.data' });
    }
    this.payloadBytes += written;
    this.chunkCount++;
    return start;
  }

  /** The payload (no header): a view, valid until the segment is released. */
  payload(): Buffer | undefined {
    return this.buffer?.subarray(WAV_HEADER_BYTES, WAV_HEADER_BYTES + this.payloadBytes);
  }

  /** The bytes to store: the WAV file (header written in the reserved space, pad byte) or the raw payload. */
  storedBytes(): Buffer {
    const buffer = this.requireBuffer();
    const end = WAV_HEADER_BYTES + this.payloadBytes;
    if (this.storage.layout === 'raw') return buffer.subarray(WAV_HEADER_BYTES, end);
    if (this.format.kind !== 'pcm') throw new Error('only PCM segments are stored as WAV');
    writeWavHeader({
      target: buffer,
      dataBytes: this.payloadBytes,
      sampleRate: this.format.sampleRate,
      channels: this.format.channels,
    });
    if (this.payloadBytes % 2 === 1) buffer[end] = 0;
    return buffer.subarray(0, end + (this.payloadBytes & 1));
  }

  /** Stored as `version`: the audio is no longer needed in memory. */
  markWritten(version: number): void {
    this.version = version;
    this.buffer = undefined;
  }

  /** Given up under the pending-memory bound. */
  markDropped(): void {
    this.dropped = true;
    this.buffer = undefined;
  }

  /** Kept for a later write: give back the growth slack so held memory matches the documented bound. */
  compact(): void {
    const buffer = this.requireBuffer();
    const needed = WAV_HEADER_BYTES + this.payloadBytes + 1;
    if (buffer.length - needed > needed * COMPACT_SLACK_RATIO) {
      const exact = Buffer.allocUnsafe(needed);
      buffer.copy(exact, WAV_HEADER_BYTES, WAV_HEADER_BYTES, needed - 1);
      this.buffer = exact;
    }
  }

  private reserve(extra: number): Buffer {
    const buffer = this.requireBuffer();
    const needed = WAV_HEADER_BYTES + this.payloadBytes + extra + 1;
    if (needed <= buffer.length) return buffer;
    const capped = WAV_HEADER_BYTES + this.limitBytes + 1;
    const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(buffer.length * 2, capped)));
    buffer.copy(grown, WAV_HEADER_BYTES, WAV_HEADER_BYTES, WAV_HEADER_BYTES + this.payloadBytes);
    this.buffer = grown;
    return grown;
  }

  private requireBuffer(): Buffer {
    if (!this.buffer) throw new Error(`segment ${this.filename} no longer holds its audio`);
    return this.buffer;
  }
}
