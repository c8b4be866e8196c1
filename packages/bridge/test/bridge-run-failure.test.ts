import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorFrame } from '../src/index.js';
import { type BridgeFixture, startBridge } from './helpers/bridge-fixture.js';
import { echoModel, say } from './helpers/echo-model.js';
import { TestClient } from './helpers/test-client.js';

let fixture: BridgeFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

describe('failures', () => {
  it('a run that fails sends a fatal run_failed error frame and closes 1011; the bridge goes on', async () => {
    fixture = await startBridge({
      fakePlan: { closeBeforeSetupComplete: { code: 1008, reason: 'no such model' } },
    });
    const client = await TestClient.connect(fixture.url('alice'));
    const error = (await client.waitForJson((f) => f.type === 'error')) as ErrorFrame;
    expect(error).toMatchObject({ code: 'run_failed', fatal: true });
    expect(error.message.length).toBeGreaterThan(0);
    expect(await client.closed).toMatchObject({ code: 1011 });
    expect(fixture.reported.length).toBeGreaterThan(0);
    expect(fixture.reported[0]).toMatchObject({ userId: 'alice', sessionId: client.session.sessionId });
    const next = await TestClient.connect(fixture.url('bob'));
    expect(next.session.userId).toBe('bob');
  });

  it('a throwing onError is ignored, and runConfig may be a function of the user and session', async () => {
    const seen: Array<{ userId: string; sessionId: string }> = [];
    fixture = await startBridge({
      model: echoModel,
      onErrorThrows: true,
      runConfig: (ctx) => {
        seen.push(ctx);
        return { inputAudioTranscription: {} };
      },
    });
    const refused = await TestClient.open(fixture.url('mallory', 'bad\u0000id'));
    expect((await refused.closed).code).toBe(4000);
    expect(fixture.reported).toHaveLength(1);
    const client = await TestClient.connect(fixture.url('alice', 'chosen-id'));
    await say(client, 'hello');
    expect(seen).toEqual([{ userId: 'alice', sessionId: 'chosen-id' }]);
    expect(fixture.fake.connections[0]!.setup).toMatchObject({ inputAudioTranscription: {} });
    await client.close();
  });
});
