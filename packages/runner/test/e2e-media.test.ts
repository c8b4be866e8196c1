import { InvalidArgumentError } from '@earshot/core';
import { pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { kindOf } from './helpers/collect.js';
import { FRAME_ENCODINGS, type LiveFixture, startLive, stopLive } from './helpers/live-fixture.js';
import { TestRecorder } from './helpers/test-recorder.js';

let fixture: LiveFixture | undefined;
afterEach(async () => {
  if (fixture) await stopLive(fixture);
  fixture = undefined;
});

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]).toString('base64');
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9]).toString('base64');

describe.each(FRAME_ENCODINGS)('camera and screen frames through the real SDK (%s frames)', (frames) => {
  it('image frames reach the model as realtimeInput.video, never recorded nor persisted', async () => {
    const audioRecorder = new TestRecorder();
    fixture = await startLive({ frames, audioRecorder, runConfig: { saveLiveAudio: true } });
    const { conn, queue, run } = fixture;
    const pcm = pcm16Tone({ ms: 20, rate: 16_000 });
    queue.sendRealtime({ data: jpeg, mimeType: 'image/jpeg' });
    queue.sendRealtime({ data: pcm.toString('base64'), mimeType: 'audio/pcm;rate=16000' });
    queue.sendRealtime({ data: png, mimeType: ' Image/PNG ' });
    await conn.waitFor((frame) => frame.realtimeInput?.video?.mimeType === 'image/png');
    expect(conn.received.map((frame) => frame.realtimeInput)).toEqual([
      { video: { data: jpeg, mimeType: 'image/jpeg' } },
      { audio: { data: pcm.toString('base64'), mimeType: 'audio/pcm;rate=16000' } },
      { video: { data: png, mimeType: 'image/png' } },
    ]);
    conn.sendTurnComplete();
    await run.waitFor((e) => e.turnComplete === true);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    // Only the audio went to the recorder.
    const recorded = audioRecorder.calls.filter((call) => call.op === 'record');
    expect(recorded).toEqual([{ op: 'record', direction: 'input', bytes: pcm.length }]);
    const stored = await fixture.storedKinds();
    expect(stored).not.toContain('audio');
    expect(stored.filter((kind) => kind !== 'audio-file')).toEqual(['turnComplete']);
  });

  it('every odd-but-valid request is sent fine and every malformed one is refused at the call', async () => {
    fixture = await startLive({ frames });
    const { conn, queue, run } = fixture;
    const data = pcm16Tone({ ms: 10, rate: 16_000 }).toString('base64');
    queue.sendRealtime({ data, mimeType: 'AUDIO/PCM;RATE=16000' });
    queue.sendRealtime({ data, mimeType: ' audio/pcm; rate=16000 ' });
    queue.sendRealtime({
      data,
      mimeType: 'audio/pcm',
      displayName: 'the Gemini API would refuse this field',
    });
    queue.sendContent({ role: 'model', parts: [{ text: 'earlier I said' }] });
    queue.sendContent({ parts: [{ text: 'look:' }, { inlineData: { data: png, mimeType: 'IMAGE/PNG' } }] });
    const refused: unknown[] = [];
    for (const send of [
      () => queue.sendRealtime({ data, mimeType: 'audio/wav' }),
      () => queue.sendRealtime({ data, mimeType: 'video/mp4' }),
      () => queue.sendRealtime({ data: 'not base64', mimeType: 'audio/pcm' }),
      () => queue.sendRealtime(null as never),
      () => queue.sendContent({ parts: [null] } as never),
      () => queue.sendContent({ parts: [{ text: 1 }] } as never),
      () => queue.sendContent({ parts: [{ functionResponse: { name: 'x' } }] }),
      () => queue.sendContent({ role: 'tool', parts: [{ text: 'x' }] }),
    ]) {
      try {
        send();
      } catch (error) {
        refused.push(error);
      }
    }
    expect(refused).toHaveLength(8);
    for (const error of refused) expect(error).toBeInstanceOf(InvalidArgumentError);
    await conn.waitFor((frame) => frame.clientContent?.turns?.[0]?.parts?.length === 2);
    expect(
      conn.received.map(
        (frame) => frame.realtimeInput?.audio?.mimeType ?? frame.clientContent?.turns?.[0]?.role,
      ),
    ).toEqual(['audio/pcm;rate=16000', 'audio/pcm;rate=16000', 'audio/pcm', 'model', 'user']);
    expect(conn.received[2]?.realtimeInput?.audio).toEqual({ data, mimeType: 'audio/pcm' });
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(run.events.map(kindOf).filter((kind) => kind.startsWith('error'))).toEqual([]);
  });
});
