import { describe, expect, it } from 'vitest';
import { MIXDOWN_JITTER_MS, MixdownTimeline } from '../src/mixdown.js';
import type { Segment } from '../src/segment.js';

// The timeline reads only these fields of a segment.
function segment(direction: 'input' | 'output', bytesPerSecond: number): Segment {
  return { direction, bytesPerSecond, byteLength: Number.MAX_SAFE_INTEGER } as unknown as Segment;
}

function runsOf(timeline: MixdownTimeline, direction: 'input' | 'output'): number[][] {
  return timeline.placementsOf(direction).map((p) => {
    const starts: number[] = [];
    for (let r = 0; r < p.runs.length; r += 3) starts.push(p.runs[r] as number);
    return starts;
  });
}

describe('MixdownTimeline: a real-time stream is one run, not one per chunk', () => {
  it('10 minutes of 40 ms mic chunks arriving 0–8 ms late: one run, placed back to back', () => {
    const timeline = new MixdownTimeline(30 * 60_000);
    const mic = segment('input', 32_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 15_000; i++) {
      const late = (i * 7) % 9;
      timeline.place({ segment: mic, byteOffset: i * 1280, byteLength: 1280, arrivalMs: t0 + i * 40 + late });
    }
    expect(runsOf(timeline, 'input')).toEqual([[t0]]);
    expect(timeline.endMs).toBe(15_000 * 40);
  });

  it('a pause longer than the jitter allowance starts a new run at the arrival', () => {
    const timeline = new MixdownTimeline(30 * 60_000);
    const mic = segment('input', 32_000);
    timeline.place({ segment: mic, byteOffset: 0, byteLength: 1280, arrivalMs: 0 });
    timeline.place({ segment: mic, byteOffset: 1280, byteLength: 1280, arrivalMs: 40 + MIXDOWN_JITTER_MS });
    timeline.place({ segment: mic, byteOffset: 2560, byteLength: 1280, arrivalMs: 2_000 });
    expect(runsOf(timeline, 'input')).toEqual([[0, 2_000]]);
  });

  it('a drifting sender (40 ms of audio every 41 ms) is re-anchored before it drifts past the allowance', () => {
    const timeline = new MixdownTimeline(30 * 60_000);
    const mic = segment('input', 32_000);
    for (let i = 0; i < 1_000; i++) {
      timeline.place({ segment: mic, byteOffset: i * 1280, byteLength: 1280, arrivalMs: i * 41 });
    }
    const [starts = []] = runsOf(timeline, 'input');
    // 1 ms of drift per chunk: a new run about every 60 chunks, each at the chunk's arrival.
    expect(starts.length).toBeGreaterThan(10);
    expect(starts.length).toBeLessThan(25);
    for (const start of starts) expect(start % 41).toBe(0);
  });
});
