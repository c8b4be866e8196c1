import { InMemorySessionService, LiveProtocolError } from '@earshot/core';
import { FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { GeminiLiveModel } from '../src/connection/gemini-live-model.js';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';
import { Runner } from '../src/runner.js';
import { collect, kindOf } from './helpers/collect.js';

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// In Vertex AI mode the SDK maps every server message through its whitelist mapper, so the
// runner leaves parsing to the SDK there (and still guards against malformed frames).
describe('runLive in Vertex AI express mode (SDK-mapped messages)', () => {
  it('streams a turn and still ends cleanly on a malformed frame', async () => {
    server = await FakeLiveServer.start({ frames: 'binary' });
    const model = new GeminiLiveModel({
      model: 'gemini-live-test',
      vertexai: true,
      apiKey: 'vertex-key',
      httpOptions: { baseUrl: server.baseUrl },
    });
    const sessionService = new InMemorySessionService();
    const runner = new Runner({
      appName: 'app',
      agent: new LlmAgent({ name: 'helper', model }),
      sessionService,
    });
    const queue = new LiveRequestQueue();
    const run = collect(runner.runLive({ userId: 'u', sessionId: 's', liveRequestQueue: queue }));
    const conn = await server.nextConnection();
    expect(conn.url).toContain('LlmBidiService/BidiGenerateContent');
    expect(conn.headers['x-goog-api-key']).toBe('vertex-key');
    const pcm = pcm16Tone({ ms: 40, rate: 24_000 });
    conn.sendAudio(pcm);
    conn.sendOutputTranscription('Hi', { finished: true });
    conn.sendTurnComplete();
    await run.waitFor((e) => e.turnComplete === true);
    conn.sendRaw('not json');
    const { error } = await run.done;
    expect(error).toBeInstanceOf(LiveProtocolError);
    expect(run.events.map(kindOf)).toEqual([
      'audio',
      'partial-out:Hi',
      'out:Hi',
      'turnComplete',
      'error:LIVE_PROTOCOL',
    ]);
    expect(
      Buffer.from(run.events[0]?.content?.parts?.[0]?.inlineData?.data ?? '', 'base64').equals(pcm),
    ).toBe(true);
  });
});
