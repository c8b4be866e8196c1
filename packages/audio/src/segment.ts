import type { AudioDirection, AudioFlushReason } from '@earshot/core';
import { Base64BlockBuffer } from './block-buffer.js';
import type { BlockPool } from './block-pool.js';
import { type AudioMimeType, extensionForSubtype, formatMimeType, pcmMimeType } from './mime.js';
import { WAV_HEADER_BYTES, writeWavHeader } from './wav.js';

/** Bytes per sample of `audio/pcm` (signed 16-bit little-endian). */
export const PCM_BYTES_PER_SAMPLE = 2;

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
  /** Where the audio blocks come from and go back to once stored or dropped. */
  pool?: BlockPool;
}

/**
 * One recording being collected: chunks are base64-decoded straight into a list of blocks
 * (see `Base64BlockBuffer`), with room for the WAV header in front when stored as WAV, so
 * neither collecting nor closing copies the audio.
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
  private bytes: Base64BlockBuffer | undefined;
  private readonly headerBytes: number;
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
    this.headerBytes = init.storage.layout === 'wav' ? WAV_HEADER_BYTES : 0;
    this.bytes = new Base64BlockBuffer({ reserve: this.headerBytes, pool: init.pool });
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

  /** Memory held for the audio (payload plus at most one partly filled block). */
  get heldBytes(): number {
    return this.bytes?.capacity ?? 0;
  }

  /**
   * Decodes one base64 chunk onto the end. `expectedBytes` comes from `expectedBase64Bytes`; a
   * shorter decode means invalid characters, and then nothing is appended (`InvalidArgumentError`).
   * Returns the payload offset at which the chunk starts.
   */
  appendBase64(data: string, expectedBytes: number): number {
    const start = this.payloadBytes;
    this.requireBytes().appendBase64(data, expectedBytes);
    this.payloadBytes += expectedBytes;
    this.chunkCount++;
    return start;
  }

  /** A contiguous copy of the payload (no header), while the audio is held. */
  payload(): Buffer | undefined {
    return this.bytes?.toBuffer(this.headerBytes);
  }

  /** What to store, base64-encoded: the WAV file (header filled in, pad byte) or the raw payload. */
  storedBase64(): string {
    const bytes = this.requireBytes();
    if (this.storage.layout === 'raw') return bytes.toBase64();
    if (this.format.kind !== 'pcm' || !bytes.head) throw new Error('only PCM segments are stored as WAV');
    writeWavHeader({
      target: bytes.head,
      dataBytes: this.payloadBytes,
      sampleRate: this.format.sampleRate,
      channels: this.format.channels,
    });
    return bytes.toBase64({ trailingZero: this.payloadBytes % 2 === 1 });
  }

  /** Stored as `version`: the audio is no longer needed in memory. */
  markWritten(version: number): void {
    this.version = version;
    this.bytes?.release();
    this.bytes = undefined;
  }

  /** Given up under the pending-memory bound. */
  markDropped(): void {
    this.dropped = true;
    this.bytes?.release();
    this.bytes = undefined;
  }

  private requireBytes(): Base64BlockBuffer {
    if (!this.bytes) throw new Error(`segment ${this.filename} no longer holds its audio`);
    return this.bytes;
  }
}
