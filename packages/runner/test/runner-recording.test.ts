import type { Event } from '@earshot/core';
import { liveServerFrames as frames, pcm16Tone } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { kindOf } from './helpers/collect.js';
import { startScriptedRun } from './helpers/fixture.js';
import { TestRecorder } from './helpers/test-recorder.js';
import { waitUntil } from './helpers/wait.js';

const b64 = (pcm: Buffer) => pcm.toString('base64');
const isKind = (kind: string) => (event: Event) => kindOf(event) === kind;

describe('audio recording in a live run (scripted model)', () => {
  it('records every chunk in and out, flushes on turn signals and at the end, never swallowing the signal', async () => {
    const recorder = new TestRecorder();
    const { conn, queue, run, storedKinds, stored } = await startScriptedRun({
      audioRecorder: recorder,
      runConfig: { saveLiveAudio: true },
    });
    const inChunks = [1, 2].map((seed) => pcm16Tone({ ms: 40, rate: 16_000, seed }));
    const outChunks = [3, 4, 5].map((seed) => pcm16Tone({ ms: 40, rate: 24_000, seed }));
    for (const pcm of inChunks) queue.sendRealtime({ data: b64(pcm), mimeType: 'audio/pcm;rate=16000' });
    await conn.waitForSent(
      (item) =>
        item.kind === 'realtime' &&
        'audio' in item.input &&
        item.input.audio.data === b64(inChunks[1] as Buffer),
    );
    conn.receive(...outChunks.map((pcm) => frames.audio(pcm)), frames.interrupted());
    await run.waitForCount(isKind('audio-file'), 2, 'two recordings');
    const trailing = pcm16Tone({ ms: 40, rate: 24_000, seed: 9 });
    conn.receive(frames.audio(trailing));
    await run.waitForCount(isKind('audio'), 4);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(run.events.map(kindOf)).toEqual([
      'audio',
      'audio',
      'audio',
      'interrupted',
      'audio-file',
      'audio-file',
      'audio',
      'audio-file',
    ]);
    expect(run.events.filter(isKind('audio-file')).map((e) => e.author)).toEqual([
      'user',
      'helper',
      'helper',
    ]);
    expect(await storedKinds()).toEqual(['interrupted', 'audio-file', 'audio-file', 'audio-file']);
    expect(recorder.calls.map((c) => (c.op === 'flush' ? `flush:${c.reason}` : c.direction))).toEqual([
      'input',
      'input',
      'output',
      'output',
      'output',
      'flush:interrupted',
      'output',
      'flush:end',
    ]);
    expect(recorder.flushedBytes.input).toEqual([Buffer.concat(inChunks)]);
    expect(recorder.flushedBytes.output).toEqual([Buffer.concat(outChunks), trailing]);
    expect(recorder.scopes[0]).toMatchObject({
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
      agentName: 'helper',
    });
    const last = (await stored()).at(-1);
    expect(Object.values(last?.actions.artifactDelta ?? {})).toEqual([0]);
  });

  it('yields model audio while the recorder is stuck, and surfaces the recordings afterwards', async () => {
    const recorder = new TestRecorder();
    recorder.hold();
    const { conn, queue, run } = await startScriptedRun({
      audioRecorder: recorder,
      runConfig: { saveLiveAudio: true },
    });
    const chunks = [1, 2, 3, 4].map((seed) => pcm16Tone({ ms: 40, rate: 24_000, seed }));
    conn.receive(
      ...chunks.map((pcm) => frames.audio(pcm)),
      frames.turnComplete(),
      frames.usage({ totalTokenCount: 1 }),
    );
    await run.waitFor(isKind('usage'));
    expect(run.events.map(kindOf)).toEqual(['audio', 'audio', 'audio', 'audio', 'turnComplete', 'usage']);
    recorder.release();
    await run.waitFor(isKind('audio-file'));
    queue.close();
    await run.done;
    expect(run.events.map(kindOf)).toEqual([
      'audio',
      'audio',
      'audio',
      'audio',
      'turnComplete',
      'usage',
      'audio-file',
    ]);
  });

  it('hands every chunk and signal to the recorder when it arrives, not after earlier writes finish', async () => {
    // A recorder places chunks on a shared timeline by arrival: a slow artifact write must not
    // delay the chunks that arrive while it runs.
    const recorder = new TestRecorder();
    recorder.hold();
    const { conn, queue, run } = await startScriptedRun({
      audioRecorder: recorder,
      runConfig: { saveLiveAudio: true },
    });
    const before = pcm16Tone({ ms: 40, rate: 24_000, seed: 1 });
    const after = pcm16Tone({ ms: 40, rate: 24_000, seed: 2 });
    conn.receive(frames.audio(before), frames.turnComplete(), frames.audio(after));
    await run.waitForCount(isKind('audio'), 2);
    await waitUntil(() => recorder.calls.length === 3, {
      what: 'all three recorder calls while the recorder is stuck',
    });
    expect(recorder.calls.map((c) => (c.op === 'flush' ? `flush:${c.reason}` : c.direction))).toEqual([
      'output',
      'flush:turnComplete',
      'output',
    ]);
    recorder.release();
    await run.waitFor(isKind('audio-file'));
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(recorder.flushedBytes.output.map((b) => b.length)).toEqual([before.length, after.length]);
  });

  it('turns recorder failures into error events and goes on', async () => {
    const recorder = new TestRecorder();
    recorder.failNextFlush = new Error('disk full');
    const { conn, queue, run, storedKinds } = await startScriptedRun({
      audioRecorder: recorder,
      runConfig: { saveLiveAudio: true },
    });
    conn.receive(frames.audio(pcm16Tone({ ms: 40, rate: 24_000 })), frames.turnComplete());
    await run.waitFor(isKind('error:AUDIO_RECORDING'));
    conn.receive(frames.turnComplete());
    await run.waitForCount(isKind('turnComplete'), 2);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(run.events.find(isKind('error:AUDIO_RECORDING'))?.errorMessage).toBe(
      'audio recording failed: disk full',
    );
    // The audio held at the failed flush is written by the next one.
    expect(await storedKinds()).toEqual([
      'turnComplete',
      'error:AUDIO_RECORDING',
      'turnComplete',
      'audio-file',
    ]);
  });

  it('does not record without saveLiveAudio', async () => {
    const recorder = new TestRecorder();
    const { conn, queue, run } = await startScriptedRun({ audioRecorder: recorder });
    queue.sendRealtime({ data: b64(pcm16Tone({ ms: 40, rate: 16_000 })), mimeType: 'audio/pcm;rate=16000' });
    conn.receive(frames.audio(pcm16Tone({ ms: 40, rate: 24_000 })), frames.turnComplete());
    await run.waitFor(isKind('turnComplete'));
    queue.close();
    await run.done;
    await waitUntil(() => conn.isClosed);
    expect(recorder.calls).toEqual([]);
  });

  it('a recorder that never answers cannot hang the run: it ends after recorderFlushTimeoutMs', async () => {
    const recorder = new TestRecorder();
    recorder.hold();
    const { conn, queue, run, storedKinds } = await startScriptedRun({
      audioRecorder: recorder,
      runConfig: { saveLiveAudio: true },
      recorderFlushTimeoutMs: 200,
    });
    conn.receive(frames.audio(pcm16Tone({ ms: 40, rate: 24_000 })), frames.turnComplete());
    await run.waitFor(isKind('turnComplete'));
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(run.events.at(-1)?.errorMessage).toBe(
      'audio recorder did not finish within 200 ms; its pending output is dropped',
    );
    expect(await storedKinds()).toEqual(['turnComplete', 'error:AUDIO_RECORDING']);
    expect(conn.isClosed).toBe(true);
    recorder.release();
  });
});
