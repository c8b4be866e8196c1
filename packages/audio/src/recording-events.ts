import type { AudioDirection, AudioRecordingScope, Event } from '@earshot/core';
import { createEvent } from '@earshot/core';
import type { Segment, SegmentCloseReason } from './segment.js';
import { artifactUri } from './uri.js';

/** `errorCode`s of the error events the aggregator returns. */
export const AudioErrorCode = {
  /** Writes failed after all retries; the audio is kept in memory for the next flush. */
  writeFailed: 'AUDIO_WRITE_FAILED',
  /** Kept audio was given up because the pending-memory bound was reached. */
  dropped: 'AUDIO_DROPPED',
  /** The end-of-run mixdown could not be stored (the per-direction recordings are unaffected). */
  mixdownFailed: 'AUDIO_MIXDOWN_FAILED',
} as const;
export type AudioErrorCode = (typeof AudioErrorCode)[keyof typeof AudioErrorCode];

/** What a recording event's `customMetadata.direction` says: a direction, or the stereo mixdown. */
export type RecordingKind = AudioDirection | 'mixdown';

export const roundMs = (ms: number): number => Math.round(ms * 1000) / 1000;

/** `'user'` for input; the agent that spoke for output and the mixdown. */
export function authorOf(kind: RecordingKind, agentName: string): string {
  return kind === 'input' ? 'user' : agentName;
}

export function roleOf(kind: RecordingKind): 'user' | 'model' {
  return kind === 'input' ? 'user' : 'model';
}

interface FileEventRequest {
  scope: AudioRecordingScope;
  kind: RecordingKind;
  author: string;
  filename: string;
  version: number;
  mimeType: string;
  timestamp: number;
  customMetadata: Record<string, unknown>;
}

function fileEvent(r: FileEventRequest): Event {
  const fileUri = artifactUri({ ...r.scope, filename: r.filename, version: r.version });
  return createEvent({
    invocationId: r.scope.invocationId,
    author: r.author,
    timestamp: r.timestamp,
    content: { role: roleOf(r.kind), parts: [{ fileData: { fileUri, mimeType: r.mimeType } }] },
    actions: { artifactDelta: { [r.filename]: r.version } },
    customMetadata: { direction: r.kind, ...r.customMetadata, filename: r.filename, version: r.version },
  });
}

/** The event of one stored segment; its timestamp is the first chunk's arrival. */
export function segmentEvent({
  scope,
  segment,
  version,
}: {
  scope: AudioRecordingScope;
  segment: Segment;
  version: number;
}): Event {
  return fileEvent({
    scope,
    kind: segment.direction,
    author: authorOf(segment.direction, segment.agentName),
    filename: segment.filename,
    version,
    mimeType: segment.storage.mimeType,
    timestamp: segment.firstArrivalMs,
    customMetadata: segmentMetadata(segment),
  });
}

/**
 * What is known about a stored segment: its close reason, rate and channels (PCM), duration,
 * bytes and chunks. The recording event carries it, and so does the saved artifact (with the
 * direction), so `listArtifactVersions` tells the same without reading any audio.
 */
export function segmentMetadata(segment: Segment): Record<string, unknown> {
  const { format } = segment;
  const durationMs = segment.durationMs;
  return {
    flushReason: segment.closeReason,
    ...(format.kind === 'pcm' ? { sampleRate: format.sampleRate, channels: format.channels } : {}),
    ...(durationMs === undefined ? {} : { durationMs: roundMs(durationMs) }),
    byteCount: segment.byteLength,
    chunkCount: segment.chunkCount,
  };
}

export function mixdownEvent(r: {
  scope: AudioRecordingScope;
  filename: string;
  version: number;
  timestamp: number;
  metadata: Record<string, unknown>;
}): Event {
  return fileEvent({
    scope: r.scope,
    kind: 'mixdown',
    author: authorOf('mixdown', r.scope.agentName),
    filename: r.filename,
    version: r.version,
    mimeType: 'audio/wav',
    timestamp: r.timestamp,
    customMetadata: { flushReason: 'end' satisfies SegmentCloseReason, ...r.metadata },
  });
}

export function audioErrorEvent(r: {
  scope: AudioRecordingScope;
  kind: RecordingKind;
  agentName: string;
  errorCode: AudioErrorCode;
  errorMessage: string;
  timestamp: number;
  customMetadata: Record<string, unknown>;
}): Event {
  return createEvent({
    invocationId: r.scope.invocationId,
    author: authorOf(r.kind, r.agentName),
    timestamp: r.timestamp,
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
    customMetadata: { direction: r.kind, ...r.customMetadata },
  });
}

/** A short description of an error for messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
