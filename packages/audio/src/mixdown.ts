import type { AudioDirection } from '@earshot/core';
import { MAX_STORED_FILE_BYTES } from './options.js';
import { resampleLinearInto } from './resample.js';
import { PCM_BYTES_PER_SAMPLE, type Segment } from './segment.js';
import { WAV_HEADER_BYTES, writeWavHeader } from './wav.js';

// Runs are stored flat, three numbers each: timeline start (ms since epoch), byte offset of the
// run in its segment, and the time after which the run was cut (Infinity when never cut).
const RUN_STRIDE = 3;
// A chunk that arrives at most this long after the audio before it ends is placed right after
// it: a real-time stream arrives a few ms late chunk after chunk (timers, network), and placing
// each at its arrival would start a run per chunk (memory growing with the call) and put a few
// ms of silence, a click, between chunks. The placement error this allows stays under it.
export const MIXDOWN_JITTER_MS = 60;

interface Placement {
  segment: Segment;
  runs: number[];
  /** Where the placed audio of the segment ends, when its tail fell past the duration limit. */
  endOffset?: number;
}

interface Lane {
  /** When the audio placed so far in this direction ends. */
  cursorMs: number;
  placements: Placement[];
  /** The next chunk starts a new run even if it is contiguous (set after a cut). */
  breakRun: boolean;
}

/**
 * Where each direction's audio sits on the run's shared clock. A chunk starts when it arrived,
 * or when the audio before it in the same direction ends if that is later: model audio arrives
 * faster than real time and is played back to back, so it is placed back to back; a chunk up
 * to `MIXDOWN_JITTER_MS` late continues the audio before it. Contiguous chunks share one run,
 * so memory is a few numbers per pause in the talk, not per chunk. Only positions are
 * kept; the audio itself is read back from the stored recordings when the mixdown is rendered.
 */
export class MixdownTimeline {
  /** First arrival in either direction (ms since epoch): time zero of the mixdown. */
  originMs = Number.POSITIVE_INFINITY;
  /** Chunks of non-PCM audio, which the mixdown cannot decode. */
  encodedChunksSkipped = 0;
  private readonly lanes: Record<AudioDirection, Lane> = {
    input: { cursorMs: Number.NEGATIVE_INFINITY, placements: [], breakRun: false },
    output: { cursorMs: Number.NEGATIVE_INFINITY, placements: [], breakRun: false },
  };

  constructor(readonly maxDurationMs: number) {}

  get isEmpty(): boolean {
    return this.lanes.input.placements.length === 0 && this.lanes.output.placements.length === 0;
  }

  place({
    segment,
    byteOffset,
    byteLength,
    arrivalMs,
  }: {
    segment: Segment;
    byteOffset: number;
    byteLength: number;
    arrivalMs: number;
  }): void {
    const bytesPerSecond = segment.bytesPerSecond;
    if (bytesPerSecond === undefined) {
      this.encodedChunksSkipped++;
      return;
    }
    const lane = this.lanes[segment.direction];
    if (arrivalMs < this.originMs) this.originMs = arrivalMs;
    const contiguous = arrivalMs <= lane.cursorMs + MIXDOWN_JITTER_MS && !lane.breakRun;
    const start = contiguous ? lane.cursorMs : Math.max(arrivalMs, lane.cursorMs);
    const durationMs = (byteLength * 1000) / bytesPerSecond;
    lane.cursorMs = start + durationMs;
    lane.breakRun = false;
    let placement = lane.placements.at(-1);
    if (start - this.originMs >= this.maxDurationMs) {
      // Past the limit: not placed. Later chunks are later still, so this is the tail.
      if (placement?.segment === segment) placement.endOffset ??= byteOffset;
      return;
    }
    if (placement?.segment !== segment) {
      placement = { segment, runs: [] };
      lane.placements.push(placement);
    } else if (contiguous) {
      return; // extends the last run, which ends where the next run (or the segment) begins
    }
    placement.runs.push(start, byteOffset, Number.POSITIVE_INFINITY);
  }

  /**
   * The listener's player dropped what it had queued (an interruption at `atMs`): audio of
   * `direction` placed after that moment was never heard, so it is cut from the mixdown.
   */
  cut(direction: AudioDirection, atMs: number): void {
    const lane = this.lanes[direction];
    if (lane.cursorMs <= atMs) return;
    lane.cursorMs = atMs;
    lane.breakRun = true;
    for (let p = lane.placements.length - 1; p >= 0; p--) {
      const placement = lane.placements[p];
      if (!placement) continue;
      const runs = placement.runs;
      for (let r = runs.length - RUN_STRIDE; r >= 0; r -= RUN_STRIDE) {
        if (runEndMs(placement, r) <= atMs) return;
        runs[r + 2] = Math.min(runs[r + 2] ?? atMs, atMs);
      }
    }
  }

  /** End of the conversation on the timeline (ms after the origin), cuts applied. */
  get endMs(): number {
    const end = Math.max(this.lanes.input.cursorMs, this.lanes.output.cursorMs);
    return Number.isFinite(end) ? end - this.originMs : 0;
  }

  /** Placements of one direction in order. */
  placementsOf(direction: AudioDirection): readonly Placement[] {
    return this.lanes[direction].placements;
  }
}

function runEndMs(placement: Placement, r: number): number {
  const { segment, runs } = placement;
  const endOffset = runs[r + RUN_STRIDE + 1] ?? placement.endOffset ?? segment.byteLength;
  return (runs[r] ?? 0) + ((endOffset - (runs[r + 1] ?? 0)) * 1000) / (segment.bytesPerSecond ?? 1);
}

export interface RenderMixdownRequest {
  timeline: MixdownTimeline;
  /** The PCM payload of a placed segment (from memory or read back from storage), or undefined if lost. */
  loadPayload: (segment: Segment) => Promise<Buffer | undefined>;
  /** Rate used when the run has no output audio. */
  defaultSampleRate: number;
}

export interface RenderedMixdown {
  /** Stereo 16-bit WAV: input (user) left, output (model) right. */
  wav: Buffer;
  sampleRate: number;
  durationMs: number;
  /** Conversation time past the end of the file (the duration limit or the file-size cap). */
  omittedMs: number;
  /** Segments whose audio could not be loaded (left silent). */
  missingSegments: number;
}

/**
 * Renders the timeline into one stereo WAV at the output rate (the first output segment's, else
 * the default), resampling other rates linearly. Loads one segment at a time, so memory is the
 * stereo buffer plus one segment.
 */
export async function renderMixdown({
  timeline,
  loadPayload,
  defaultSampleRate,
}: RenderMixdownRequest): Promise<RenderedMixdown> {
  const firstOutput = timeline.placementsOf('output')[0]?.segment.format;
  const sampleRate = firstOutput?.kind === 'pcm' ? firstOutput.sampleRate : defaultSampleRate;
  const origin = timeline.originMs;
  const endMs = timeline.endMs;
  const frameBytes = 2 * PCM_BYTES_PER_SAMPLE;
  const maxFrames = Math.floor(MAX_STORED_FILE_BYTES / frameBytes);
  const frames = Math.min(
    Math.ceil((Math.min(endMs, timeline.maxDurationMs) * sampleRate) / 1000),
    maxFrames,
  );
  const durationMs = (frames * 1000) / sampleRate;
  const wav = Buffer.alloc(WAV_HEADER_BYTES + frames * frameBytes);
  writeWavHeader({ target: wav, dataBytes: frames * frameBytes, sampleRate, channels: 2 });
  const toFrame = (ms: number) => Math.round(((ms - origin) * sampleRate) / 1000);
  let missingSegments = 0;
  for (const [channel, direction] of [[0, 'input'] as const, [1, 'output'] as const]) {
    for (const placement of timeline.placementsOf(direction)) {
      const { segment, runs } = placement;
      if (segment.format.kind !== 'pcm') continue;
      const payload = await loadPayload(segment);
      if (!payload) {
        missingSegments++;
        continue;
      }
      const frameBytes = segment.format.channels * PCM_BYTES_PER_SAMPLE;
      for (let r = 0; r < runs.length; r += RUN_STRIDE) {
        const startFrame = Math.floor((runs[r + 1] ?? 0) / frameBytes);
        const endOffset = Math.min(
          runs[r + RUN_STRIDE + 1] ?? placement.endOffset ?? segment.byteLength,
          payload.length,
        );
        const cutMs = runs[r + 2] ?? Number.POSITIVE_INFINITY;
        resampleLinearInto({
          source: payload,
          sourceStartFrame: startFrame,
          sourceFrameCount: Math.floor(endOffset / frameBytes) - startFrame,
          sourceChannels: segment.format.channels,
          sourceRate: segment.format.sampleRate,
          target: wav,
          targetDataOffset: WAV_HEADER_BYTES,
          targetChannels: 2,
          targetChannel: channel,
          targetRate: sampleRate,
          targetStartFrame: toFrame(runs[r] ?? origin),
          targetEndFrame: Number.isFinite(cutMs) ? Math.min(frames, toFrame(cutMs)) : frames,
        });
      }
    }
  }
  return { wav, sampleRate, durationMs, omittedMs: Math.max(0, endMs - durationMs), missingSegments };
}
