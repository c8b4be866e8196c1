import { randomUUID } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { AudioAggregator, parseArtifactUri, parseWav } from '@earshot/audio';
import { type Event, InMemorySessionService } from '@earshot/core';
import { GeminiLiveModel, LiveRequestQueue, LlmAgent, Runner } from '@earshot/runner';
import { FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactService } from '../src/index.js';
import { encodeSegment } from '../src/object-keys.js';
import { BUCKET, useRgw } from './helpers/rgw.js';

const IN = 'audio/pcm;rate=16000';
const rgw = useRgw();
let live: FakeLiveServer;

beforeAll(async () => {
  live = await FakeLiveServer.start({ frames: 'binary' });
});
afterAll(async () => {
  await live?.close();
});

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const recordingsOf = (events: Event[]) => events.filter((e) => e.content?.parts?.some((p) => p.fileData));

describe('runLive recording audio into S3ArtifactService (real SDK, FakeLiveServer, Ceph RGW)', () => {
  it('stores each turn’s input and output audio byte for byte, readable by another service instance', async () => {
    const prefix = `live-${randomUUID()}`;
    const artifactService = new S3ArtifactService({ bucket: BUCKET, client: rgw.client, prefix });
    const sessionService = new InMemorySessionService();
    const runner = new Runner({
      appName: 'voice',
      agent: new LlmAgent({
        name: 'helper',
        model: new GeminiLiveModel({
          model: 'gemini-live-test',
          apiKey: 'test-key',
          httpOptions: { baseUrl: live.baseUrl, apiVersion: 'v1beta' },
        }),
      }),
      sessionService,
      artifactService,
      audioRecorder: new AudioAggregator({ artifactService }),
    });
    const queue = new LiveRequestQueue();
    const events: Event[] = [];
    const consuming = (async () => {
      for await (const event of runner.runLive({
        userId: 'user',
        sessionId: 'user', // a session named like the user scope must not matter
        liveRequestQueue: queue,
        runConfig: { saveLiveAudio: true },
      })) {
        events.push(event);
      }
    })();
    const conn = await live.nextConnection({ timeoutMs: 20_000 });

    const userTurn = [1, 2, 3].map((seed) => pcm16Tone({ ms: 40, rate: 16_000, seed }));
    for (const pcm of userTurn) queue.sendRealtime({ data: pcm.toString('base64'), mimeType: IN });
    await conn.waitFor((f) => f.realtimeInput?.audio?.data === userTurn[2]?.toString('base64'));
    const modelTurn = [4, 5].map((seed) => pcm16Tone({ ms: 40, rate: 24_000, seed }));
    for (const pcm of modelTurn) conn.sendAudio(pcm);
    conn.sendTurnComplete();
    await until(() => recordingsOf(events).length >= 2, 'the turn recordings');
    queue.close();
    await consuming;

    expect(events.filter((e) => e.errorCode)).toEqual([]);
    const recordings = recordingsOf(events);
    expect(recordings.map((e) => e.customMetadata?.direction).sort()).toEqual(['input', 'output']);

    // A second service instance (another process) on the same bucket and prefix reads them back.
    const readerClient = rgw.newClient();
    const reader = new S3ArtifactService({ bucket: BUCKET, client: readerClient, prefix });
    const scope = { appName: 'voice', userId: 'user', sessionId: 'user' };
    const filenames = recordings.map((e) => {
      const ref = parseArtifactUri(e.content?.parts?.[0]?.fileData?.fileUri ?? '');
      expect(ref).toMatchObject({ ...scope, version: 0 });
      expect(e.actions.artifactDelta).toEqual({ [ref?.filename ?? '']: 0 });
      return ref?.filename ?? '';
    });
    expect(await reader.listArtifactKeys(scope)).toEqual([...filenames].sort());
    const payload = async (direction: string) => {
      const filename =
        filenames[recordings.findIndex((e) => e.customMetadata?.direction === direction)] ?? '';
      const part = await reader.loadArtifact({ ...scope, filename });
      expect(part?.inlineData?.mimeType).toBe('audio/wav');
      return parseWav(Buffer.from(part?.inlineData?.data ?? '', 'base64')).data;
    };
    expect((await payload('input')).equals(Buffer.concat(userTurn))).toBe(true);
    expect((await payload('output')).equals(Buffer.concat(modelTurn))).toBe(true);

    // Each `live-audio/{invocation}/…` name is one object per version, encoded, in the session's scope.
    const listed = await rgw.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }));
    const keys = (listed.Contents ?? []).map((o) => o.Key).sort();
    expect(keys).toEqual(filenames.map((f) => `${prefix}/voice/user/user/${encodeSegment(f)}/0`).sort());
    expect(filenames.every((f) => f.startsWith('live-audio/') && encodeSegment(f).includes('%2F'))).toBe(
      true,
    );

    // The recording references were persisted with the turn (saveLiveAudio).
    const session = await sessionService.getSession(scope);
    const persisted = (session?.events ?? []).filter((e) => e.content?.parts?.some((p) => p.fileData));
    expect(persisted).toHaveLength(2);

    // The aggregator saved each recording with its metadata: listArtifactVersions tells it without reading audio.
    for (const [i, filename] of filenames.entries()) {
      const [stored] = await reader.listArtifactVersions({ ...scope, filename });
      const { filename: _f, version: _v, ...fromEvent } = recordings[i]?.customMetadata ?? {};
      expect(stored?.customMetadata).toEqual(fromEvent);
      expect(stored?.customMetadata).toMatchObject({ channels: 1, sampleRate: expect.any(Number) });
      expect(stored?.mimeType).toBe('audio/wav');
    }
  });
});
