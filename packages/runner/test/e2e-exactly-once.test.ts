import { InMemorySessionService, LiveConnectionError } from '@earshot/core';
import { FakeLiveServer } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { GeminiLiveModel } from '../src/connection/gemini-live-model.js';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';
import { Runner } from '../src/runner.js';
import { collect } from './helpers/collect.js';
import { dropStorm } from './helpers/drop-storm.js';

const DROPS = 100;

describe('input across 100 forced drops (goAway, 1006, 1011), real SDK in Vertex AI express mode', () => {
  it('with transparent resumption every input message reaches the session exactly once, in order', async () => {
    const result = await dropStorm({ drops: DROPS, transparent: true });
    expect(result.error).toBeUndefined();
    expect(result.connections).toBe(DROPS + 1);
    expect({ lost: result.lost, duplicated: result.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(result.delivered).toEqual(result.sent);
    expect(result.reports).toBe(0);
    // Every model output is yielded once.
    for (let i = 0; i <= DROPS; i++) expect(result.outputs.get(`out-${i}`)).toBe(1);
    console.log(
      `transparent: ${result.sent.length} messages sent, lost ${result.lost}, duplicated ${result.duplicated}`,
    );
  }, 120_000);

  it('without transparent every message the session lacks is reported, and the counts add up', async () => {
    const result = await dropStorm({ drops: DROPS, transparent: false });
    expect(result.error).toBeUndefined();
    expect(result.duplicated).toBe(0);
    // Each drop happened after unconfirmed input went out (the goAway ones for sure).
    expect(result.lost).toBeGreaterThan(0);
    expect(result.reportedMessages).toBe(result.lost);
    expect(result.delivered.length + result.lost).toBe(result.sent.length);
    expect(result.reports).toBeGreaterThanOrEqual(Math.ceil(DROPS / 3));
    expect(result.reportedAudioMs).toBeGreaterThan(0);
    // Reported, never stored.
    expect(result.storedReports).toBe(0);
    for (let i = 0; i <= DROPS; i++) expect(result.outputs.get(`out-${i}`)).toBe(1);
    console.log(
      `not transparent: ${result.sent.length} sent, lost ${result.lost}, reported ${result.reportedMessages} in ${result.reports} events (${result.reportedAudioMs} ms audio)`,
    );
  }, 120_000);
});

describe('transparent resumption with the Gemini API', () => {
  it('the SDK refuses it there: the run fails its first connect with LiveConnectionError', async () => {
    const server = await FakeLiveServer.start();
    try {
      const model = new GeminiLiveModel({
        model: 'gemini-live-test',
        apiKey: 'k',
        httpOptions: { baseUrl: server.baseUrl, apiVersion: 'v1beta' },
      });
      const runner = new Runner({
        appName: 'app',
        agent: new LlmAgent({ name: 'helper', model }),
        sessionService: new InMemorySessionService(),
      });
      const run = collect(
        runner.runLive({
          userId: 'u',
          sessionId: 's',
          liveRequestQueue: new LiveRequestQueue(),
          runConfig: { sessionResumption: { transparent: true } },
        }),
      );
      const { error } = await run.done;
      expect(error).toBeInstanceOf(LiveConnectionError);
      expect(String((error as Error).message)).toMatch(/transparent/);
    } finally {
      await server.close();
    }
  });
});
