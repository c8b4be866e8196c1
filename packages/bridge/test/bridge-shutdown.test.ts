import { AudioAggregator } from '@earshot/audio';
import { InMemoryArtifactService } from '@earshot/core';
import { clientFrameIs, pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type BridgeFixture, startBridge } from './helpers/bridge-fixture.js';
import { echoModel, say } from './helpers/echo-model.js';
import { TestClient } from './helpers/test-client.js';

let fixture: BridgeFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

describe('close()', () => {
  it('closes every socket with 1001, lets live runs end and flush their recordings', async () => {
    const artifacts = new InMemoryArtifactService();
    fixture = await startBridge({
      model: echoModel,
      audioRecorder: new AudioAggregator({ artifactService: artifacts }),
      runConfig: { saveLiveAudio: true },
    });
    const clients = await Promise.all(['alice', 'bob'].map((user) => TestClient.connect(fixture!.url(user))));
    const mic = pcm16Tone({ ms: 400, rate: 16_000, seed: 9 });
    for (const client of clients) {
      await say(client, 'hi');
      client.ws.send(mic, { binary: true });
    }
    for (const conn of fixture.fake.connections) await conn.waitFor(clientFrameIs.audio);
    expect(fixture.bridge.activeRuns).toBe(2);

    await fixture.bridge.close();
    expect(fixture.bridge.activeRuns).toBe(0);
    expect(fixture.bridge.connections).toBe(0);
    for (const client of clients) expect((await client.closed).code).toBe(1001);
    for (const [i, user] of ['alice', 'bob'].entries()) {
      const scope = { appName: 'app', userId: user, sessionId: clients[i]!.session.sessionId };
      const keys = await artifacts.listArtifactKeys(scope);
      const input = keys.find((k) => k.includes('/input-'));
      expect(input).toBeDefined();
      const wav = await artifacts.loadArtifact({ ...scope, filename: input! });
      expect(wav?.inlineData?.data).toBeDefined();
      // 44-byte WAV header + exactly the audio the browser sent.
      expect(Buffer.from(wav!.inlineData!.data!, 'base64').subarray(44).equals(mic)).toBe(true);
    }
    // New upgrades are refused once closing.
    const refused = await TestClient.open(fixture.url('carol')).catch(
      (error: { status?: number }) => error.status,
    );
    expect(refused).toBe(503);
  });
});
