import {
  type ArtifactService,
  type AudioRecordingScope,
  type Event,
  InMemoryArtifactService,
  type SaveArtifactRequest,
  StorageError,
} from '@earshot/core';
import { parseArtifactUri, parseWav } from '../src/index.js';

export const scope: AudioRecordingScope = {
  appName: 'app',
  userId: 'u1',
  sessionId: 's1',
  invocationId: 'e-inv-1',
  agentName: 'helper_agent',
};

/** A clock the test moves by hand. */
export function fakeClock(startMs = 1_700_000_000_000) {
  let now = startMs;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    set: (ms: number) => {
      now = ms;
    },
  };
}

/** Deterministic, non-repeating PCM bytes (so any reordering or loss shows). */
export function pcmBytes(byteCount: number, seed = 1): Buffer {
  const bytes = Buffer.allocUnsafe(byteCount);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < byteCount; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** A mono 16-bit sine tone. */
export function tone({
  ms,
  rate,
  hz,
  amplitude = 12_000,
}: {
  ms: number;
  rate: number;
  hz: number;
  amplitude?: number;
}) {
  const frames = Math.round((ms * rate) / 1000);
  const pcm = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++)
    pcm.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  return pcm;
}

/** Splits bytes into chunks of `chunkBytes` (the last may be shorter). */
export function chunksOf(bytes: Buffer, chunkBytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytes.subarray(i, i + chunkBytes));
  return chunks;
}

/** The fileData part of a recording event. */
export function fileDataOf(event: Event) {
  const parts = event.content?.parts ?? [];
  if (parts.length !== 1 || !parts[0]?.fileData)
    throw new Error(`not a recording event: ${JSON.stringify(event)}`);
  return parts[0].fileData;
}

/** Loads the stored bytes a recording event points at. */
export async function loadRecording(
  service: ArtifactService,
  event: Event,
): Promise<{ bytes: Buffer; mimeType: string }> {
  const ref = parseArtifactUri(fileDataOf(event).fileUri ?? '');
  if (!ref?.sessionId) throw new Error('bad fileUri');
  const part = await service.loadArtifact({ ...ref, sessionId: ref.sessionId });
  if (!part?.inlineData?.data) throw new Error(`artifact missing: ${ref.filename}@${ref.version}`);
  return { bytes: Buffer.from(part.inlineData.data, 'base64'), mimeType: part.inlineData.mimeType ?? '' };
}

export async function loadWavPayload(service: ArtifactService, event: Event): Promise<Buffer> {
  return parseWav((await loadRecording(service, event)).bytes).data;
}

/** An artifact service that fails the first `failures` saves (Infinity: always), then delegates. */
export class FlakyArtifactService extends InMemoryArtifactService {
  saveAttempts = 0;
  failedSaves = 0;
  constructor(public failures: number) {
    super();
  }

  override async saveArtifact(request: SaveArtifactRequest): Promise<number> {
    this.saveAttempts++;
    if (this.failedSaves < this.failures) {
      this.failedSaves++;
      throw new StorageError('store unavailable');
    }
    return super.saveArtifact(request);
  }
}

/** Keeps no audio: counts what was saved (for memory tests, where storing an hour would dominate the heap). */
export class CountingArtifactService extends InMemoryArtifactService {
  saves = 0;
  bytes = 0;
  filenames: string[] = [];
  override async saveArtifact(request: SaveArtifactRequest): Promise<number> {
    this.saves++;
    this.filenames.push(request.filename);
    this.bytes += Buffer.byteLength(request.artifact.inlineData?.data ?? '', 'base64');
    return 0;
  }
}

/** Tiny backoff so failure tests run fast. */
export const fastRetry = { attempts: 3, initialDelayMs: 1, maxDelayMs: 2, jitter: 0 };
