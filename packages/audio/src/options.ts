import type { ArtifactService } from '@earshot/core';
import { InvalidArgumentError } from '@earshot/core';
import {
  DEFAULT_INPUT_SAMPLE_RATE,
  DEFAULT_OUTPUT_SAMPLE_RATE,
  MAX_SAMPLE_RATE,
  MIN_SAMPLE_RATE,
} from './mime.js';
import { type ResolvedRetryOptions, type RetryOptions, resolveRetryOptions } from './retry.js';
import { AudioTelemetry, type AudioTelemetryOptions } from './telemetry.js';

/** Segment duration limit: 5 minutes of audio. */
export const DEFAULT_MAX_SEGMENT_MS = 5 * 60_000;
/** Segment size limit: 16 MiB of payload (5 min of 24 kHz mono is 14.4 MB, so time binds first up to 24 kHz). */
export const DEFAULT_MAX_SEGMENT_BYTES = 16 * 1024 * 1024;
/** Unwritten audio kept after failed writes, across all runs of one aggregator: 32 MiB. */
export const DEFAULT_MAX_PENDING_BYTES = 32 * 1024 * 1024;
/** Mixdown length limit: 30 minutes (stereo 24 kHz: 172.8 MB of samples at the end of the run). */
export const DEFAULT_MAX_MIXDOWN_MS = 30 * 60_000;
/**
 * Hard cap on one stored file, whatever the options: artifacts travel as one base64 string, and
 * V8 strings stop at about 512 M characters (384 MiB of bytes). 256 MiB keeps well clear of it.
 */
export const MAX_STORED_FILE_BYTES = 256 * 1024 * 1024;

export interface MixdownOptions {
  /**
   * Conversation length covered by the mixdown; audio later than this is left out (and counted).
   * Default 30 min. The file is also capped at 256 MiB of samples (46 min of stereo 24 kHz).
   */
  maxDurationMs?: number;
}

export interface AudioAggregatorOptions {
  /** Where recordings are stored. */
  artifactService: ArtifactService;
  /** A segment holding this much audio is closed and written. Default 5 min. */
  maxSegmentMs?: number;
  /** A segment holding this many payload bytes is closed and written. Default 16 MiB. */
  maxSegmentBytes?: number;
  /** `'wav'` (default): PCM is stored as WAV. `'pcm'`: raw PCM, the rate in the mime type. */
  format?: 'wav' | 'pcm';
  /** `true` (or options): at the end of a run, also store one stereo WAV of the whole conversation. */
  mixdown?: boolean | MixdownOptions;
  /** Backoff for failed artifact writes. */
  retry?: RetryOptions;
  /** Unwritten audio kept for later writes, across all runs. Default 32 MiB. */
  maxPendingBytes?: number;
  /** Rate of `audio/pcm` input chunks without a `rate` parameter. Default 16000. */
  defaultInputSampleRate?: number;
  /** Rate of `audio/pcm` output chunks without a `rate` parameter. Default 24000. */
  defaultOutputSampleRate?: number;
  /** Milliseconds since the epoch; arrival times come from here. Default `Date.now` (tests pass a fake). */
  clock?: () => number;
  /** Spans and metrics of artifact writes through `@opentelemetry/api` (global providers unless given); `false`: none. */
  telemetry?: AudioTelemetryOptions | false;
}

export interface ResolvedOptions {
  artifactService: ArtifactService;
  maxSegmentMs: number;
  maxSegmentBytes: number;
  format: 'wav' | 'pcm';
  mixdown: { maxDurationMs: number } | undefined;
  retry: ResolvedRetryOptions;
  maxPendingBytes: number;
  defaultInputSampleRate: number;
  defaultOutputSampleRate: number;
  clock: () => number;
  telemetry: AudioTelemetry;
}

export function resolveOptions(options: AudioAggregatorOptions): ResolvedOptions {
  const service = options?.artifactService;
  if (!service || typeof service.saveArtifact !== 'function') {
    throw new InvalidArgumentError('artifactService is required', { field: 'artifactService' });
  }
  const format = options.format ?? 'wav';
  if (format !== 'wav' && format !== 'pcm') {
    throw new InvalidArgumentError(`format must be 'wav' or 'pcm', got ${String(format)}`, {
      field: 'format',
    });
  }
  const mixdownOptions = options.mixdown === true ? {} : options.mixdown || undefined;
  return {
    artifactService: service,
    maxSegmentMs: positive(
      'maxSegmentMs',
      options.maxSegmentMs,
      DEFAULT_MAX_SEGMENT_MS,
      Number.MAX_SAFE_INTEGER,
    ),
    maxSegmentBytes: positive(
      'maxSegmentBytes',
      options.maxSegmentBytes,
      DEFAULT_MAX_SEGMENT_BYTES,
      MAX_STORED_FILE_BYTES,
    ),
    format,
    mixdown: mixdownOptions && {
      maxDurationMs: positive(
        'mixdown.maxDurationMs',
        mixdownOptions.maxDurationMs,
        DEFAULT_MAX_MIXDOWN_MS,
        24 * 60 * 60_000,
      ),
    },
    retry: resolveRetryOptions(options.retry),
    maxPendingBytes: nonNegative('maxPendingBytes', options.maxPendingBytes, DEFAULT_MAX_PENDING_BYTES),
    defaultInputSampleRate: rate(
      'defaultInputSampleRate',
      options.defaultInputSampleRate,
      DEFAULT_INPUT_SAMPLE_RATE,
    ),
    defaultOutputSampleRate: rate(
      'defaultOutputSampleRate',
      options.defaultOutputSampleRate,
      DEFAULT_OUTPUT_SAMPLE_RATE,
    ),
    clock: options.clock ?? Date.now,
    telemetry: new AudioTelemetry(options.telemetry),
  };
}

function positive(field: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(`${field} must be an integer from 1 to ${max}, got ${value}`, { field });
  }
  return value;
}

function nonNegative(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${field} must be an integer >= 0, got ${value}`, { field });
  }
  return value;
}

function rate(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < MIN_SAMPLE_RATE || value > MAX_SAMPLE_RATE) {
    throw new InvalidArgumentError(
      `${field} must be an integer from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE}`,
      {
        field,
      },
    );
  }
  return value;
}
