import { type Event, InMemoryArtifactService } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { AudioAggregator, parseWav, resampleLinearInto } from '../src/index.js';
import {
  chunksOf,
  FlakyArtifactService,
  fakeClock,
  fastRetry,
  fileDataOf,
  loadRecording,
  scope,
  tone,
} from './helpers.js';

const FRAME_MS = 10;
const IN = 'audio/pcm;rate=16000';
const OUT = 'audio/pcm;rate=24000';

/** Samples of one channel of an interleaved stereo 16-bit buffer. */
function channel(data: Buffer, c: 0 | 1): Int16Array {
  const out = new Int16Array(data.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = data.readInt16LE(i * 4 + c * 2);
  return out;
}

/** Start times (ms) of the 10 ms frames with sound, as [first, last+10]. */
function voicedSpan(samples: Int16Array, rate: number): [number, number] {
  const frame = (rate * FRAME_MS) / 1000;
  let first = -1;
  let last = -1;
  for (let f = 0; f * frame < samples.length; f++) {
    let energy = 0;
    for (let i = f * frame; i < Math.min(samples.length, (f + 1) * frame); i++)
      energy += (samples[i] ?? 0) ** 2;
    if (Math.sqrt(energy / frame) > 1000) {
      if (first < 0) first = f;
      last = f;
    }
  }
  return [first * FRAME_MS, (last + 1) * FRAME_MS];
}

function zeroCrossingHz(samples: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++)
    if ((samples[i - 1] ?? 0) < 0 !== (samples[i] ?? 0) < 0) crossings++;
  return crossings / 2 / (samples.length / rate);
}

interface Exchange {
  aggregator: AudioAggregator;
  clock: ReturnType<typeof fakeClock>;
  t0: number;
}

/** The mic streams in real time (40 ms chunks, 0–8 ms late) from t0 to `untilMs`; the user speaks 440 Hz in [speechFrom, speechTo). */
async function micStream(x: Exchange, { fromMs, untilMs, speechFrom, speechTo }: Record<string, number>) {
  const speech = tone({ ms: 40, rate: 16000, hz: 440 });
  const silence = Buffer.alloc(1280);
  const events: Event[] = [];
  for (let at = fromMs ?? 0; at < (untilMs ?? 0); at += 40) {
    x.clock.set(x.t0 + at + ((at * 7) % 9)); // deterministic jitter 0–8 ms
    const chunk = at >= (speechFrom ?? 0) && at < (speechTo ?? 0) ? speech : silence;
    events.push(
      ...(await x.aggregator.record(scope, 'input', { data: chunk.toString('base64'), mimeType: IN })),
    );
  }
  return events;
}

/** The model's reply arrives as a burst at `atMs` (faster than real time). */
async function modelBurst(x: Exchange, { atMs, ms, hz }: { atMs: number; ms: number; hz: number }) {
  x.clock.set(x.t0 + atMs);
  for (const chunk of chunksOf(tone({ ms, rate: 24000, hz }), 1920)) {
    await x.aggregator.record(scope, 'output', { data: chunk.toString('base64'), mimeType: OUT });
  }
}

async function mixdownOf(artifactService: InMemoryArtifactService, events: Event[]) {
  const mix = events.find((e) => e.customMetadata?.direction === 'mixdown');
  if (!mix) throw new Error(`no mixdown event in ${JSON.stringify(events.map((e) => e.customMetadata))}`);
  const wav = parseWav((await loadRecording(artifactService, mix)).bytes);
  return { mix, wav, left: channel(wav.data, 0), right: channel(wav.data, 1) };
}

function setup(artifactService = new InMemoryArtifactService()) {
  const clock = fakeClock();
  const aggregator = new AudioAggregator({
    artifactService,
    mixdown: true,
    clock: clock.now,
    retry: fastRetry,
  });
  return { artifactService, x: { aggregator, clock, t0: clock.now() } };
}

describe('AudioAggregator: stereo mixdown', () => {
  it('places a user/model exchange on one timeline: user left, model right, within one 10 ms frame', async () => {
    const { artifactService, x } = setup();
    await micStream(x, { fromMs: 0, untilMs: 1800, speechFrom: 520, speechTo: 1520 });
    await modelBurst(x, { atMs: 1800, ms: 1200, hz: 880 }); // heard 1800–3000
    const turn = await x.aggregator.flush(scope, 'turnComplete');
    await micStream(x, { fromMs: 1800, untilMs: 4000, speechFrom: 3200, speechTo: 3600 });
    const end = await x.aggregator.flush(scope, 'end');
    expect([...turn, ...end].filter((e) => e.errorCode)).toEqual([]);

    const { mix, wav, left, right } = await mixdownOf(artifactService, end);
    expect(wav).toMatchObject({ sampleRate: 24000, channels: 2, bitsPerSample: 16, audioFormat: 1 });
    expect(mix).toMatchObject({ author: scope.agentName, timestamp: x.t0, content: { role: 'model' } });
    expect(fileDataOf(mix).mimeType).toBe('audio/wav');
    const filename = `live-audio/${scope.invocationId}/mixdown-${x.t0}.wav`;
    expect(mix.actions.artifactDelta).toEqual({ [filename]: 0 });
    expect(mix.customMetadata).toMatchObject({
      direction: 'mixdown',
      flushReason: 'end',
      sampleRate: 24000,
      channels: 2,
    });
    expect(Math.abs((mix.customMetadata?.durationMs as number) - 4000)).toBeLessThanOrEqual(FRAME_MS);

    const userFirst = voicedSpan(left.subarray(0, 24 * 2000), 24000);
    const userSecond = voicedSpan(left.subarray(24 * 3000), 24000).map((ms) => ms + 3000);
    const model = voicedSpan(right, 24000);
    const near = (actual: number, expected: number) =>
      expect(Math.abs(actual - expected)).toBeLessThanOrEqual(FRAME_MS);
    near(userFirst[0], 520);
    near(userFirst[1], 1520);
    near(userSecond[0] ?? 0, 3200);
    near(userSecond[1] ?? 0, 3600);
    near(model[0], 1800);
    near(model[1], 3000);
    // The input was resampled 16 → 24 kHz and still sounds at 440 Hz (a wrong ratio would give
    // 293 or 660 Hz; the tolerance covers the phase jumps between repeated 40 ms tone chunks).
    const within5Percent = (hz: number, expected: number) =>
      expect(Math.abs(hz / expected - 1)).toBeLessThan(0.05);
    within5Percent(zeroCrossingHz(left.subarray(24 * 600, 24 * 1400), 24000), 440);
    within5Percent(zeroCrossingHz(right.subarray(24 * 2000, 24 * 2800), 24000), 880);
  });

  it('an interruption cuts the model audio that was queued but never heard', async () => {
    const { artifactService, x } = setup();
    await micStream(x, { fromMs: 0, untilMs: 1000, speechFrom: 0, speechTo: 400 });
    await modelBurst(x, { atMs: 1000, ms: 3000, hz: 660 }); // would play 1000–4000
    x.clock.set(x.t0 + 1700); // the user barges in; the server interrupts at 1700
    await x.aggregator.flush(scope, 'interrupted');
    await modelBurst(x, { atMs: 2000, ms: 500, hz: 660 }); // the next answer, 2000–2500
    x.clock.set(x.t0 + 2600);
    const end = await x.aggregator.flush(scope, 'end');
    const { right } = await mixdownOf(artifactService, end);
    const first = voicedSpan(right.subarray(0, 24 * 1900), 24000);
    const second = voicedSpan(right.subarray(24 * 1900), 24000).map((ms) => ms + 1900);
    expect(Math.abs(first[0] - 1000)).toBeLessThanOrEqual(FRAME_MS);
    expect(Math.abs(first[1] - 1700)).toBeLessThanOrEqual(FRAME_MS);
    expect(Math.abs((second[0] ?? 0) - 2000)).toBeLessThanOrEqual(FRAME_MS);
    expect(Math.abs((second[1] ?? 0) - 2500)).toBeLessThanOrEqual(FRAME_MS);
    // The per-direction recording still holds everything that was received.
    const output = end.filter((e) => e.customMetadata?.direction === 'output');
    expect(output.map((e) => e.customMetadata?.durationMs)).toEqual([500]);
  });

  it('uses the audio still held in memory when its write failed, and reports a failed mixdown write', async () => {
    const artifactService = new FlakyArtifactService(Number.POSITIVE_INFINITY);
    const { x } = setup(artifactService);
    await micStream(x, { fromMs: 0, untilMs: 400, speechFrom: 0, speechTo: 400 });
    const end = await x.aggregator.flush(scope, 'end');
    expect(end.map((e) => [e.errorCode, e.customMetadata?.direction])).toEqual([
      ['AUDIO_WRITE_FAILED', 'input'],
      ['AUDIO_MIXDOWN_FAILED', 'mixdown'],
    ]);
    // Storage comes back: the input recording is still there to write; the mixdown is not redone.
    artifactService.failures = 0;
    const retried = await x.aggregator.retryPendingWrites();
    expect(retried.map((e) => e.customMetadata?.direction)).toEqual(['input']);
  });

  it('renders from memory while writes fail, then stores the mixdown once storage works', async () => {
    const artifactService = new FlakyArtifactService(fastRetry.attempts); // the first flush fails, later saves work
    const { x } = setup(artifactService);
    await micStream(x, { fromMs: 0, untilMs: 400, speechFrom: 0, speechTo: 400 });
    const end = await x.aggregator.flush(scope, 'end');
    // The input write failed after 3 attempts, so the mixdown was rendered from memory and stored.
    expect(end.map((e) => e.errorCode ?? e.customMetadata?.direction)).toEqual([
      'AUDIO_WRITE_FAILED',
      'mixdown',
    ]);
    const { left } = await mixdownOf(artifactService, end);
    const span = voicedSpan(left, 24000);
    expect(Math.abs(span[0])).toBeLessThanOrEqual(FRAME_MS);
    expect(Math.abs(span[1] - 400)).toBeLessThanOrEqual(FRAME_MS);
  });

  it("reads raw recordings back too (format: 'pcm')", async () => {
    const artifactService = new InMemoryArtifactService();
    const clock = fakeClock();
    const aggregator = new AudioAggregator({
      artifactService,
      mixdown: true,
      format: 'pcm',
      clock: clock.now,
    });
    const x = { aggregator, clock, t0: clock.now() };
    await micStream(x, { fromMs: 0, untilMs: 800, speechFrom: 200, speechTo: 600 });
    await modelBurst(x, { atMs: 800, ms: 400, hz: 880 });
    const end = await aggregator.flush(scope, 'end');
    expect(end.map((e) => e.content?.parts?.[0]?.fileData?.mimeType)).toEqual([
      'audio/pcm;rate=16000',
      'audio/pcm;rate=24000',
      'audio/wav',
    ]);
    const { left, right } = await mixdownOf(artifactService, end);
    const user = voicedSpan(left, 24000);
    const model = voicedSpan(right, 24000);
    for (const [actual, expected] of [
      [user[0], 200],
      [user[1], 600],
      [model[0], 800],
      [model[1], 1200],
    ] as const) {
      expect(Math.abs(actual - expected)).toBeLessThanOrEqual(FRAME_MS);
    }
  });

  it('no mixdown without audio, nor when not asked for', async () => {
    const { x } = setup();
    expect(await x.aggregator.flush(scope, 'end')).toEqual([]);
    const plain = new AudioAggregator({ artifactService: new InMemoryArtifactService() });
    await plain.record(scope, 'input', {
      data: tone({ ms: 40, rate: 16000, hz: 440 }).toString('base64'),
      mimeType: IN,
    });
    const events = await plain.flush(scope, 'end');
    expect(events.map((e) => e.customMetadata?.direction)).toEqual(['input']);
  });

  it('respects mixdown.maxDurationMs and says how much was left out', async () => {
    const artifactService = new InMemoryArtifactService();
    const clock = fakeClock();
    const aggregator = new AudioAggregator({
      artifactService,
      mixdown: { maxDurationMs: 500 },
      clock: clock.now,
    });
    const x = { aggregator, clock, t0: clock.now() };
    await micStream(x, { fromMs: 0, untilMs: 1000, speechFrom: 0, speechTo: 1000 });
    const end = await aggregator.flush(scope, 'end');
    const { mix, left } = await mixdownOf(artifactService, end);
    expect(left.length).toBe(24 * 500);
    expect(mix.customMetadata?.durationMs).toBe(500);
    expect(Math.abs((mix.customMetadata?.omittedMs as number) - 500)).toBeLessThanOrEqual(FRAME_MS);
  });
});

describe('resampleLinearInto', () => {
  it('copies at equal rates and interpolates linearly between samples', () => {
    const source = Buffer.alloc(8);
    [0, 1000, 2000, 3000].forEach((v, i) => {
      source.writeInt16LE(v, i * 2);
    });
    const target = Buffer.alloc(6 * 2 * 2);
    const written = resampleLinearInto({
      source,
      sourceStartFrame: 0,
      sourceFrameCount: 4,
      sourceChannels: 1,
      sourceRate: 16000,
      target,
      targetDataOffset: 0,
      targetChannels: 2,
      targetChannel: 1,
      targetRate: 24000,
      targetStartFrame: 0,
      targetEndFrame: 6,
    });
    expect(written).toBe(6);
    const right = Array.from({ length: 6 }, (_, i) => target.readInt16LE(i * 4 + 2));
    const left = Array.from({ length: 6 }, (_, i) => target.readInt16LE(i * 4));
    expect(right).toEqual([0, 667, 1333, 2000, 2667, 3000]);
    expect(left).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
