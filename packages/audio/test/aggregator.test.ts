import { type Event, InMemoryArtifactService, InvalidArgumentError, validateFilename } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { AudioAggregator, createAudioAggregator, parseArtifactUri, parseWav } from '../src/index.js';
import {
  chunksOf,
  fakeClock,
  fileDataOf,
  loadRecording,
  loadWavPayload,
  pcmBytes,
  scope,
} from './helpers.js';

const IN = 'audio/pcm;rate=16000';
const OUT = 'audio/pcm;rate=24000';

function setup(options: Partial<ConstructorParameters<typeof AudioAggregator>[0]> = {}) {
  const artifactService = new InMemoryArtifactService();
  const clock = fakeClock();
  const aggregator = createAudioAggregator({ artifactService, clock: clock.now, ...options });
  return { artifactService, clock, aggregator };
}

async function send(
  aggregator: AudioAggregator,
  direction: 'input' | 'output',
  chunks: Buffer[],
  mimeType: string | undefined,
  clock?: ReturnType<typeof fakeClock>,
  stepMs = 40,
): Promise<Event[]> {
  const events: Event[] = [];
  for (const chunk of chunks) {
    events.push(...(await aggregator.record(scope, direction, { data: chunk.toString('base64'), mimeType })));
    clock?.advance(stepMs);
  }
  return events;
}

describe('AudioAggregator: recordings', () => {
  it('stores each direction byte for byte as WAV at the chunk rate (round trip)', async () => {
    const { artifactService, aggregator, clock } = setup();
    const input = pcmBytes(16000 * 2 * 3, 7); // 3 s at 16 kHz
    const output = pcmBytes(24000 * 2 * 2, 9); // 2 s at 24 kHz
    await send(aggregator, 'input', chunksOf(input, 1280), IN, clock);
    await send(aggregator, 'output', chunksOf(output, 1920), OUT, clock);
    const events = await aggregator.flush(scope, 'turnComplete');
    expect(events).toHaveLength(2);
    const [inEvent, outEvent] = events as [Event, Event];
    const inWav = parseWav((await loadRecording(artifactService, inEvent)).bytes);
    const outWav = parseWav((await loadRecording(artifactService, outEvent)).bytes);
    expect(inWav).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, audioFormat: 1 });
    expect(outWav).toMatchObject({ sampleRate: 24000, channels: 1, bitsPerSample: 16, audioFormat: 1 });
    expect(inWav.data.equals(input)).toBe(true);
    expect(outWav.data.equals(output)).toBe(true);
  });

  it('builds events: authors, roles, one fileData part, artifactDelta, timestamp, customMetadata', async () => {
    const { aggregator, clock } = setup();
    const t0 = clock.now();
    await send(aggregator, 'input', chunksOf(pcmBytes(3200), 1280), IN, clock); // 100 ms
    const tOut = clock.now();
    await send(aggregator, 'output', chunksOf(pcmBytes(4800), 1920), OUT, clock); // 100 ms
    const [inEvent, outEvent] = (await aggregator.flush(scope, 'interrupted')) as [Event, Event];

    expect(inEvent).toMatchObject({ author: 'user', invocationId: scope.invocationId, timestamp: t0 });
    expect(outEvent).toMatchObject({
      author: scope.agentName,
      invocationId: scope.invocationId,
      timestamp: tOut,
    });
    expect(inEvent.content?.role).toBe('user');
    expect(outEvent.content?.role).toBe('model');
    expect(inEvent.content?.parts).toHaveLength(1);
    const inName = `live-audio/${scope.invocationId}/input-${t0}.wav`;
    expect(fileDataOf(inEvent)).toEqual({
      fileUri: `artifact://apps/app/users/u1/sessions/s1/artifacts/${encodeURIComponent(inName)}/versions/0`,
      mimeType: 'audio/wav',
    });
    expect(parseArtifactUri(fileDataOf(inEvent).fileUri ?? '')).toEqual({
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
      filename: inName,
      version: 0,
    });
    expect(inEvent.actions.artifactDelta).toEqual({ [inName]: 0 });
    expect(inEvent.customMetadata).toEqual({
      direction: 'input',
      flushReason: 'interrupted',
      sampleRate: 16000,
      channels: 1,
      durationMs: 100,
      byteCount: 3200,
      chunkCount: 3,
      filename: inName,
      version: 0,
    });
    expect(outEvent.customMetadata).toMatchObject({
      direction: 'output',
      sampleRate: 24000,
      durationMs: 100,
      byteCount: 4800,
    });
    expect(inEvent.errorCode).toBeUndefined();
    expect(inEvent.turnComplete).toBeUndefined();
    // Nothing left: a second flush writes nothing.
    expect(await aggregator.flush(scope, 'turnComplete')).toEqual([]);
  });

  it('applies the documented default rate per direction when the mime type has none', async () => {
    const { artifactService, aggregator } = setup();
    await aggregator.record(scope, 'input', {
      data: pcmBytes(320).toString('base64'),
      mimeType: 'audio/pcm',
    });
    await aggregator.record(scope, 'output', { data: pcmBytes(480).toString('base64') });
    const [inEvent, outEvent] = (await aggregator.flush(scope, 'turnComplete')) as [Event, Event];
    expect(parseWav((await loadRecording(artifactService, inEvent)).bytes).sampleRate).toBe(16000);
    expect(parseWav((await loadRecording(artifactService, outEvent)).bytes).sampleRate).toBe(24000);
  });

  it('keeps an odd byte count exactly (pad byte in the file, not in the payload)', async () => {
    const { artifactService, aggregator } = setup();
    const bytes = pcmBytes(1001);
    await send(aggregator, 'output', chunksOf(bytes, 333), OUT);
    const [event] = (await aggregator.flush(scope, 'turnComplete')) as [Event];
    const { bytes: file } = await loadRecording(artifactService, event);
    expect(file.length).toBe(44 + 1002);
    expect(parseWav(file).data.equals(bytes)).toBe(true);
    expect(event.customMetadata).toMatchObject({ byteCount: 1001, durationMs: 20.833 });
  });

  it("format: 'pcm' stores raw PCM with the rate in the mime type", async () => {
    const { artifactService, aggregator } = setup({ format: 'pcm' });
    const bytes = pcmBytes(4800);
    await send(aggregator, 'output', chunksOf(bytes, 960), OUT);
    const [event] = (await aggregator.flush(scope, 'turnComplete')) as [Event];
    expect(fileDataOf(event).mimeType).toBe('audio/pcm;rate=24000');
    expect(Object.keys(event.actions.artifactDelta)[0]).toMatch(/\/output-\d+\.pcm$/);
    const stored = await loadRecording(artifactService, event);
    expect(stored.mimeType).toBe('audio/pcm;rate=24000');
    expect(stored.bytes.equals(bytes)).toBe(true);
  });

  it('stores non-PCM audio as-is with its own extension and mime type', async () => {
    const { artifactService, aggregator } = setup();
    const bytes = pcmBytes(5000);
    await send(aggregator, 'input', chunksOf(bytes, 777), 'Audio/OGG; codecs=opus');
    const [event] = (await aggregator.flush(scope, 'turnComplete')) as [Event];
    expect(fileDataOf(event).mimeType).toBe('audio/ogg;codecs=opus');
    expect(Object.keys(event.actions.artifactDelta)[0]).toMatch(/\/input-\d+\.ogg$/);
    expect((await loadRecording(artifactService, event)).bytes.equals(bytes)).toBe(true);
    expect(event.customMetadata).toMatchObject({ byteCount: 5000, chunkCount: 7 });
    expect(event.customMetadata?.durationMs).toBeUndefined();
  });

  it('a change of rate or format inside a segment closes it and starts a new one', async () => {
    const { artifactService, aggregator, clock } = setup();
    const a = pcmBytes(960, 1);
    const b = pcmBytes(640, 2);
    const c = pcmBytes(300, 3);
    await aggregator.record(scope, 'output', { data: a.toString('base64'), mimeType: OUT });
    clock.advance(20);
    const closedByRate = await aggregator.record(scope, 'output', {
      data: b.toString('base64'),
      mimeType: 'audio/pcm;rate=16000',
    });
    expect(closedByRate).toHaveLength(1);
    expect(closedByRate[0]?.customMetadata).toMatchObject({
      flushReason: 'formatChange',
      sampleRate: 24000,
      byteCount: 960,
    });
    expect((await loadWavPayload(artifactService, closedByRate[0] as Event)).equals(a)).toBe(true);
    clock.advance(20);
    const closedByFormat = await aggregator.record(scope, 'output', {
      data: c.toString('base64'),
      mimeType: 'audio/mpeg',
    });
    expect(closedByFormat[0]?.customMetadata).toMatchObject({
      flushReason: 'formatChange',
      sampleRate: 16000,
    });
    expect((await loadWavPayload(artifactService, closedByFormat[0] as Event)).equals(b)).toBe(true);
    const [last] = (await aggregator.flush(scope, 'turnComplete')) as [Event];
    expect(fileDataOf(last).mimeType).toBe('audio/mpeg');
    expect((await loadRecording(artifactService, last)).bytes.equals(c)).toBe(true);
  });

  it('same mime type spelled differently does not split a segment', async () => {
    const { aggregator } = setup();
    for (const mimeType of [
      'audio/pcm;rate=24000',
      'AUDIO/PCM; rate="24000"',
      'audio/pcm;rate=24000;channels=1',
    ]) {
      expect(
        await aggregator.record(scope, 'output', { data: pcmBytes(480).toString('base64'), mimeType }),
      ).toEqual([]);
    }
    const events = await aggregator.flush(scope, 'turnComplete');
    expect(events).toHaveLength(1);
    expect(events[0]?.customMetadata).toMatchObject({ chunkCount: 3, byteCount: 1440 });
  });

  it('makes filenames unique when two segments of a direction start in the same ms', async () => {
    const { aggregator } = setup();
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      await aggregator.record(scope, 'input', { data: pcmBytes(320).toString('base64'), mimeType: IN });
      const events = await aggregator.flush(scope, 'turnComplete');
      names.push(...events.flatMap((e) => Object.keys(e.actions.artifactDelta)));
    }
    expect(new Set(names).size).toBe(3);
    for (const name of names) expect(validateFilename(name)).toBe(name);
    for (const event of names) expect(event).toMatch(/^live-audio\/e-inv-1\/input-\d+\.wav$/);
  });

  it('rejects non-base64 data, non-audio mime types and bad scopes with InvalidArgumentError; nothing is recorded', async () => {
    const { artifactService, aggregator } = setup();
    const good = pcmBytes(640);
    await aggregator.record(scope, 'input', { data: good.toString('base64'), mimeType: IN });
    for (const data of ['not base64!', 'QUJD\n', 'QU=D', 'Q']) {
      await expect(aggregator.record(scope, 'input', { data, mimeType: IN })).rejects.toThrow(
        InvalidArgumentError,
      );
    }
    // A bad chunk whose rate differs must not close the good segment either.
    await expect(
      aggregator.record(scope, 'input', { data: '!!!!', mimeType: 'audio/pcm;rate=8000' }),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(
      aggregator.record(scope, 'input', { data: good.toString('base64'), mimeType: 'image/jpeg' }),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(aggregator.record(scope, 'input', { mimeType: IN })).rejects.toThrow(InvalidArgumentError);
    await expect(
      aggregator.record({ ...scope, invocationId: '..' }, 'input', {
        data: good.toString('base64'),
        mimeType: IN,
      }),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(
      aggregator.record({ ...scope, sessionId: 'a\nb' }, 'input', {
        data: good.toString('base64'),
        mimeType: IN,
      }),
    ).rejects.toThrow(InvalidArgumentError);
    const events = await aggregator.flush(scope, 'turnComplete');
    expect(events).toHaveLength(1);
    expect(events[0]?.customMetadata).toMatchObject({ chunkCount: 1, byteCount: 640 });
    expect((await loadWavPayload(artifactService, events[0] as Event)).equals(good)).toBe(true);
  });

  it('ignores empty chunks and flushes of unknown runs', async () => {
    const { aggregator } = setup();
    expect(await aggregator.record(scope, 'input', { data: '', mimeType: IN })).toEqual([]);
    expect(await aggregator.flush(scope, 'turnComplete')).toEqual([]);
    expect(await aggregator.flush({ ...scope, invocationId: 'other' }, 'end')).toEqual([]);
  });

  it('keeps runs apart by scope and encodes ids in the fileUri', async () => {
    const { artifactService, aggregator } = setup();
    const other = { ...scope, sessionId: 's/2?#%', invocationId: 'inv:2' };
    await aggregator.record(scope, 'input', { data: pcmBytes(64, 1).toString('base64'), mimeType: IN });
    await aggregator.record(other, 'input', { data: pcmBytes(64, 2).toString('base64'), mimeType: IN });
    const [a] = (await aggregator.flush(scope, 'turnComplete')) as [Event];
    const [b] = (await aggregator.flush(other, 'turnComplete')) as [Event];
    expect((await loadWavPayload(artifactService, a)).equals(pcmBytes(64, 1))).toBe(true);
    expect((await loadWavPayload(artifactService, b)).equals(pcmBytes(64, 2))).toBe(true);
    expect(fileDataOf(b).fileUri).toContain('/sessions/s%2F2%3F%23%25/');
    expect(parseArtifactUri(fileDataOf(b).fileUri ?? '')).toMatchObject({ sessionId: 's/2?#%' });
  });

  it('record never waits for storage unless a segment closes', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const artifactService = new InMemoryArtifactService();
    const slow = Object.assign(Object.create(artifactService), {
      saveArtifact: async (request: Parameters<InMemoryArtifactService['saveArtifact']>[0]) => {
        await gate;
        return artifactService.saveArtifact(request);
      },
    }) as InMemoryArtifactService;
    const aggregator = new AudioAggregator({ artifactService: slow, maxSegmentMs: 100 });
    // 80 ms chunks at 16 kHz: the second one would exceed 100 ms, so it closes the first segment.
    const first = await aggregator.record(scope, 'input', {
      data: pcmBytes(2560).toString('base64'),
      mimeType: IN,
    });
    expect(first).toEqual([]);
    const closing = aggregator.record(scope, 'input', {
      data: pcmBytes(2560).toString('base64'),
      mimeType: IN,
    });
    let settled = false;
    void closing.then(() => {
      settled = true;
    });
    // Chunks keep flowing while the write is blocked (4 × 20 ms: under the 100 ms limit).
    for (let i = 0; i < 4; i++) {
      const more = aggregator.record(scope, 'output', {
        data: pcmBytes(960).toString('base64'),
        mimeType: OUT,
      });
      expect(await more).toEqual([]);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    release();
    const events = await closing;
    expect(events).toHaveLength(1);
    expect(events[0]?.customMetadata).toMatchObject({ flushReason: 'maxSegmentMs', durationMs: 80 });
  });

  it('appends synchronously: chunks keep call order even when nobody awaits record', async () => {
    const { artifactService, aggregator } = setup();
    const bytes = pcmBytes(48_000);
    const pending = chunksOf(bytes, 1920).map((chunk) =>
      aggregator.record(scope, 'output', { data: chunk.toString('base64'), mimeType: OUT }),
    );
    const flushed = aggregator.flush(scope, 'turnComplete');
    await Promise.all(pending);
    const [event] = (await flushed) as [Event];
    expect((await loadWavPayload(artifactService, event)).equals(bytes)).toBe(true);
  });

  it('rejects bad options', () => {
    const artifactService = new InMemoryArtifactService();
    expect(() => new AudioAggregator({ artifactService, maxSegmentMs: 0 })).toThrow(InvalidArgumentError);
    expect(() => new AudioAggregator({ artifactService, maxSegmentBytes: 2 ** 40 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new AudioAggregator({ artifactService, retry: { attempts: 0 } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new AudioAggregator({ artifactService, format: 'mp3' as 'wav' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new AudioAggregator({} as never)).toThrow(InvalidArgumentError);
  });
});

describe('AudioAggregator: segment limits', () => {
  it('maxSegmentMs closes a segment exactly at the limit, from record, and returns its event', async () => {
    const { artifactService, aggregator, clock } = setup({ maxSegmentMs: 1000 });
    const bytes = pcmBytes(24000 * 2 * 2.5); // 2.5 s
    const closedByRecord = await send(aggregator, 'output', chunksOf(bytes, 1920), OUT, clock);
    expect(closedByRecord.map((e) => e.customMetadata?.durationMs)).toEqual([1000, 1000]);
    expect(closedByRecord.map((e) => e.customMetadata?.flushReason)).toEqual([
      'maxSegmentMs',
      'maxSegmentMs',
    ]);
    const rest = await aggregator.flush(scope, 'turnComplete');
    expect(rest.map((e) => e.customMetadata?.durationMs)).toEqual([500]);
    const payloads = await Promise.all(
      [...closedByRecord, ...rest].map((e) => loadWavPayload(artifactService, e)),
    );
    expect(Buffer.concat(payloads).equals(bytes)).toBe(true);
    // Each segment is stamped with its own first chunk's arrival.
    const stamps = [...closedByRecord, ...rest].map((e) => e.timestamp);
    expect(stamps[1]! - stamps[0]!).toBe(1000);
  });

  it('maxSegmentBytes closes before a chunk would overflow (a single oversized chunk gets its own segment)', async () => {
    const { artifactService, aggregator } = setup({ maxSegmentBytes: 5000 });
    const sizes = [1920, 1920, 1920, 6000, 100];
    const chunks = sizes.map((n, i) => pcmBytes(n, i + 1));
    const events = await send(aggregator, 'output', chunks, OUT);
    events.push(...(await aggregator.flush(scope, 'turnComplete')));
    expect(events.map((e) => e.customMetadata?.byteCount)).toEqual([3840, 1920, 6000, 100]);
    expect(events.map((e) => e.customMetadata?.flushReason)).toEqual([
      'maxSegmentBytes',
      'maxSegmentBytes',
      'maxSegmentBytes',
      'turnComplete',
    ]);
    const payloads = await Promise.all(events.map((e) => loadWavPayload(artifactService, e)));
    expect(Buffer.concat(payloads).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('maxSegmentMs for encoded audio is measured on the arrival clock', async () => {
    const { aggregator, clock } = setup({ maxSegmentMs: 100 });
    const events = await send(aggregator, 'input', chunksOf(pcmBytes(700), 100), 'audio/ogg', clock, 40);
    // Arrivals 0, 40, … 240 ms: a segment closes when a chunk arrives 100 ms or more after its first.
    expect(events.map((e) => e.customMetadata?.chunkCount)).toEqual([3, 3]);
    const rest = await aggregator.flush(scope, 'turnComplete');
    expect(rest.map((e) => e.customMetadata?.chunkCount)).toEqual([1]);
  });

  it('an agent change closes the output segment, so each recording has one author', async () => {
    const { aggregator } = setup();
    await aggregator.record(scope, 'output', { data: pcmBytes(960).toString('base64'), mimeType: OUT });
    const closed = await aggregator.record({ ...scope, agentName: 'billing' }, 'output', {
      data: pcmBytes(960).toString('base64'),
      mimeType: OUT,
    });
    expect(closed.map((e) => [e.author, e.customMetadata?.flushReason])).toEqual([
      [scope.agentName, 'agentChange'],
    ]);
    const [next] = (await aggregator.flush({ ...scope, agentName: 'billing' }, 'transfer')) as [Event];
    expect(next.author).toBe('billing');
  });
});

describe('AudioAggregator: many runs at once', () => {
  it('keeps interleaved runs apart, each by its own scope object, even when a caller edits the ids on it', async () => {
    const { artifactService, aggregator } = setup();
    const scopes = [1, 2, 3].map((n) => ({ ...scope, sessionId: `s${n}`, invocationId: `e-${n}` }));
    const audio = scopes.map((_, n) => pcmBytes(1280 * 10, n + 1));
    // Chunk by chunk across the three runs, as hundreds of live sessions arrive.
    for (let i = 0; i < 10; i++) {
      for (const [n, each] of scopes.entries()) {
        const chunk = (audio[n] as Buffer).subarray(i * 1280, (i + 1) * 1280);
        await aggregator.record(each, 'input', { data: chunk.toString('base64'), mimeType: IN });
      }
    }
    // The same object now names the second run: its chunk must go there, not to the first.
    const edited = scopes[0] as (typeof scopes)[number];
    edited.sessionId = 's2';
    edited.invocationId = 'e-2';
    const extra = pcmBytes(1280, 9);
    await aggregator.record(edited, 'input', { data: extra.toString('base64'), mimeType: IN });
    edited.sessionId = 's1';
    edited.invocationId = 'e-1';
    const expected = [audio[0], Buffer.concat([audio[1] as Buffer, extra]), audio[2]];
    for (const [n, each] of scopes.entries()) {
      const [event] = await aggregator.flush(each, 'turnComplete');
      const wav = parseWav((await loadRecording(artifactService, event as Event)).bytes);
      expect(wav.data.equals(expected[n] as Buffer)).toBe(true);
    }
  });
});
