import { clientFrameIs, pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';
import { FunctionTool } from '../src/tools/function-tool.js';
import { kindOf } from './helpers/collect.js';
import { FRAME_ENCODINGS, type LiveFixture, startLive, stopLive } from './helpers/live-fixture.js';
import { TestRecorder } from './helpers/test-recorder.js';

const MIME_16K = 'audio/pcm;rate=16000';
let fixture: LiveFixture | undefined;
afterEach(async () => {
  await stopLive(fixture);
  fixture = undefined;
});

describe.each(FRAME_ENCODINGS)('ending a run through the real SDK (%s frames)', (frames) => {
  it('closing the queue delivers the input, closes the socket from our side and returns', async () => {
    fixture = await startLive({ frames });
    const { conn, queue, run } = fixture;
    const pcm = pcm16Tone({ ms: 40, rate: 16_000 });
    queue.sendRealtime({ data: pcm.toString('base64'), mimeType: MIME_16K });
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    const closed = await conn.closed;
    expect(closed.byClient).toBe(true);
    expect(conn.receivedAudio().equals(pcm)).toBe(true);
    expect(run.events).toEqual([]);
  });

  it('does not wait for the server to finish its turn', async () => {
    fixture = await startLive({ frames });
    const { conn, queue, run } = fixture;
    conn.sendAudio(pcm16Tone({ ms: 40, rate: 24_000 }));
    await run.waitFor((e) => kindOf(e) === 'audio');
    queue.close(); // mid-turn: no turnComplete will ever come
    expect(await run.done).toEqual({ error: undefined });
    expect((await conn.closed).byClient).toBe(true);
  });

  it('waits for a running tool, sends its answer, then closes', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const lookup = new FunctionTool({
      name: 'lookup',
      description: 'l',
      execute: async () => {
        await gate;
        return 'found';
      },
    });
    fixture = await startLive({ frames, tools: [lookup] });
    const { conn, queue, run } = fixture;
    conn.sendToolCall([{ id: 'l-1', name: 'lookup', args: {} }]);
    await run.waitFor((e) => kindOf(e) === 'call');
    queue.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(conn.isOpen).toBe(true);
    release();
    expect(await run.done).toEqual({ error: undefined });
    // The answer goes out before our close frame.
    expect((await conn.closed).byClient).toBe(true);
    expect(conn.received.filter(clientFrameIs.toolResponse)).toEqual([
      { toolResponse: { functionResponses: [{ id: 'l-1', name: 'lookup', response: { output: 'found' } }] } },
    ]);
    expect(await fixture.storedKinds()).toEqual(['call', 'response']);
  });

  it('breaking out of the loop closes the connection and releases the queue', async () => {
    fixture = await startLive({ frames });
    const { conn, runner, queue } = fixture;
    // The fixture's own run is ended first; then a second run on the same queue is broken out of.
    queue.close();
    await fixture.run.done;
    const secondQueue = new LiveRequestQueue();
    const seen: string[] = [];
    const consuming = (async () => {
      for await (const event of runner.runLive({
        userId: 'u1',
        sessionId: 's1',
        liveRequestQueue: secondQueue,
      })) {
        seen.push(kindOf(event));
        break;
      }
    })();
    const second = await fixture.server.nextConnection();
    second.sendAudio(pcm16Tone({ ms: 40, rate: 24_000 }));
    await consuming;
    expect(seen).toEqual(['audio']);
    expect((await second.closed).byClient).toBe(true);
    expect((await conn.closed).byClient).toBe(true);
    expect(secondQueue.isClosed).toBe(false);
    secondQueue.close();
  });
});

describe.each(FRAME_ENCODINGS)('audio recording through the real SDK (%s frames)', (frames) => {
  it('records every input and output chunk byte-exact and keeps the turn signal', async () => {
    const recorder = new TestRecorder();
    fixture = await startLive({ frames, audioRecorder: recorder, runConfig: { saveLiveAudio: true } });
    const { conn, queue, run } = fixture;
    const inChunks = [1, 2, 3].map((seed) => pcm16Tone({ ms: 40, rate: 16_000, seed }));
    const outChunks = [4, 5].map((seed) => pcm16Tone({ ms: 40, rate: 24_000, seed }));
    for (const pcm of inChunks) queue.sendRealtime({ data: pcm.toString('base64'), mimeType: MIME_16K });
    await conn.waitFor((f) => f.realtimeInput?.audio?.data === inChunks[2]?.toString('base64'));
    for (const pcm of outChunks) conn.sendAudio(pcm);
    conn.sendTurnComplete();
    await run.waitForCount((e) => kindOf(e) === 'audio-file', 2, 'two recordings');
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(run.events.map(kindOf)).toEqual(['audio', 'audio', 'turnComplete', 'audio-file', 'audio-file']);
    expect(await fixture.storedKinds()).toEqual(['turnComplete', 'audio-file', 'audio-file']);
    expect(recorder.flushedBytes.input).toEqual([Buffer.concat(inChunks)]);
    expect(recorder.flushedBytes.output).toEqual([Buffer.concat(outChunks)]);
    expect(recorder.calls.filter((c) => c.op === 'flush')).toEqual([
      { op: 'flush', reason: 'turnComplete' },
      { op: 'flush', reason: 'end' },
    ]);
  });
});
