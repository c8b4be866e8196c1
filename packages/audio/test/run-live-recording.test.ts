import { type Event, InMemoryArtifactService, InMemorySessionService } from '@earshot/core';
import { FunctionTool, GeminiLiveModel, LiveRequestQueue, LlmAgent, Runner } from '@earshot/runner';
import { clientFrameIs, FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AudioAggregator, parseArtifactUri, parseWav } from '../src/index.js';
import { fileDataOf, loadRecording } from './helpers.js';

const IN = 'audio/pcm;rate=16000';

function kindOf(event: Event): string {
  const parts = event.content?.parts ?? [];
  if (event.errorCode) return `error:${event.errorCode}`;
  if (parts.some((p) => p.functionCall)) return 'call';
  if (parts.some((p) => p.functionResponse)) return 'response';
  if (parts.some((p) => p.inlineData)) return 'audio';
  if (parts.some((p) => p.fileData)) return `file:${String(event.customMetadata?.direction)}`;
  if (event.turnComplete) return 'turnComplete';
  if (event.interrupted) return 'interrupted';
  return 'other';
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('runLive with an AudioAggregator (real @google/genai SDK, FakeLiveServer)', () => {
  it('recordings equal exactly what was sent and received; turn, interruption and tool events are still yielded and persisted', async () => {
    server = await FakeLiveServer.start({ frames: 'binary' });
    const artifactService = new InMemoryArtifactService();
    const sessionService = new InMemorySessionService();
    const aggregator = new AudioAggregator({ artifactService, mixdown: true });
    const lookup = new FunctionTool({
      name: 'lookup',
      description: 'Looks something up.',
      parameters: { type: 'object', properties: {} },
      execute: async () => ({ answer: 42 }),
    });
    const agent = new LlmAgent({
      name: 'helper',
      model: new GeminiLiveModel({
        model: 'gemini-live-test',
        apiKey: 'test-key',
        httpOptions: { baseUrl: server.baseUrl, apiVersion: 'v1beta' },
      }),
      tools: [lookup],
    });
    const runner = new Runner({
      appName: 'app',
      agent,
      sessionService,
      artifactService,
      audioRecorder: aggregator,
    });
    const queue = new LiveRequestQueue();
    const events: Event[] = [];
    const consuming = (async () => {
      for await (const event of runner.runLive({
        userId: 'u1',
        sessionId: 's1',
        liveRequestQueue: queue,
        runConfig: { saveLiveAudio: true },
      })) {
        events.push(event);
      }
    })();
    const conn = await server.nextConnection({ timeoutMs: 20_000 });
    const count = (kind: string) => events.filter((e) => kindOf(e) === kind).length;

    // Turn 1: the user speaks, the model answers, calls a tool mid-turn, answers on, completes.
    const userTurn1 = [1, 2, 3].map((seed) => pcm16Tone({ ms: 40, rate: 16_000, seed }));
    for (const pcm of userTurn1) queue.sendRealtime({ data: pcm.toString('base64'), mimeType: IN });
    await conn.waitFor((f) => f.realtimeInput?.audio?.data === userTurn1[2]?.toString('base64'));
    const modelTurn1 = [4, 5, 6].map((seed) => pcm16Tone({ ms: 40, rate: 24_000, seed }));
    conn.sendAudio(modelTurn1[0] as Buffer);
    conn.sendAudio(modelTurn1[1] as Buffer);
    conn.sendToolCall([{ id: 'call-1', name: 'lookup', args: {} }]);
    await conn.waitFor(clientFrameIs.toolResponse);
    conn.sendAudio(modelTurn1[2] as Buffer);
    conn.sendTurnComplete();
    await until(() => count('file:output') >= 1, 'the first turn recordings');

    // Turn 2: the user speaks again; the model is interrupted mid-answer.
    const userTurn2 = [7, 8].map((seed) => pcm16Tone({ ms: 40, rate: 16_000, seed }));
    for (const pcm of userTurn2) queue.sendRealtime({ data: pcm.toString('base64'), mimeType: IN });
    await conn.waitFor((f) => f.realtimeInput?.audio?.data === userTurn2[1]?.toString('base64'));
    const modelTurn2 = [9, 10].map((seed) => pcm16Tone({ ms: 40, rate: 24_000, seed }));
    for (const pcm of modelTurn2) conn.sendAudio(pcm);
    conn.sendInterrupted();
    await until(() => count('file:output') >= 2, 'the interrupted turn recordings');

    queue.close();
    await consuming;

    // Everything the model sent was yielded, and every control and tool event too.
    const kinds = events.map(kindOf);
    expect(kinds.filter((k) => k === 'audio')).toHaveLength(5);
    for (const kind of ['call', 'response', 'turnComplete', 'interrupted']) expect(kinds).toContain(kind);
    expect(kinds.filter((k) => k.startsWith('error'))).toEqual([]);
    // Recordings come after the signal that flushed them.
    expect(kinds.indexOf('turnComplete')).toBeLessThan(kinds.indexOf('file:input'));
    expect(kinds.indexOf('interrupted')).toBeLessThan(kinds.lastIndexOf('file:output'));
    expect(kinds.at(-1)).toBe('file:mixdown');

    // Persisted: tool events, turn signals and (saveLiveAudio) the recording references; no raw audio.
    const session = await sessionService.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' });
    const stored = (session?.events ?? []).map(kindOf);
    expect(stored).toEqual(kinds.filter((k) => k !== 'audio'));
    expect(stored).toEqual([
      'call',
      'response',
      'turnComplete',
      'file:input',
      'file:output',
      'interrupted',
      'file:input',
      'file:output',
      'file:mixdown',
    ]);

    // The recordings hold exactly the bytes that went over the wire, in order.
    const payloadsOf = async (direction: string) => {
      const recordings = events.filter((e) => e.customMetadata?.direction === direction);
      const files = await Promise.all(recordings.map((e) => loadRecording(artifactService, e)));
      return files.map((f) => parseWav(f.bytes).data);
    };
    const inputs = await payloadsOf('input');
    const outputs = await payloadsOf('output');
    expect(inputs.map((p) => p.toString('hex'))).toEqual(
      [Buffer.concat(userTurn1), Buffer.concat(userTurn2)].map((b) => b.toString('hex')),
    );
    expect(Buffer.concat(inputs).equals(conn.receivedAudio())).toBe(true);
    expect(outputs.map((p) => p.toString('hex'))).toEqual(
      [Buffer.concat(modelTurn1), Buffer.concat(modelTurn2)].map((b) => b.toString('hex')),
    );

    // Each reference names the artifact it points at, in the run's invocation folder.
    for (const event of events.filter((e) => kindOf(e).startsWith('file:'))) {
      const ref = parseArtifactUri(fileDataOf(event).fileUri ?? '');
      expect(ref).toMatchObject({ appName: 'app', userId: 'u1', sessionId: 's1' });
      expect(event.actions.artifactDelta).toEqual({ [ref?.filename ?? '']: ref?.version });
      expect(ref?.filename.startsWith(`live-audio/${event.invocationId}/`)).toBe(true);
    }
    const mixdown = events.at(-1) as Event;
    expect(parseWav((await loadRecording(artifactService, mixdown)).bytes)).toMatchObject({
      channels: 2,
      sampleRate: 24000,
    });
    expect(aggregator.stats()).toMatchObject({ activeRuns: 0, pendingBytes: 0 });
  });
});
