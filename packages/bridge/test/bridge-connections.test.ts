import { afterEach, describe, expect, it } from 'vitest';
import { type BridgeFixture, startBridge } from './helpers/bridge-fixture.js';
import { echoModel, say } from './helpers/echo-model.js';
import { MiB, retainedBytes } from './helpers/memory.js';
import { TestClient } from './helpers/test-client.js';
import { waitFor } from './helpers/wait.js';

let fixture: BridgeFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

describe('1,000 connections', () => {
  it('opens at most maxConnections conversations; the rest get 503 and no model connection', async () => {
    const maxConnections = 100;
    fixture = await startBridge({ model: echoModel, limits: { maxConnections } });
    const before = await retainedBytes();
    const started = performance.now();
    const attempts = await Promise.allSettled(
      Array.from({ length: 1_000 }, (_, i) => TestClient.connect(fixture!.url(`user-${i}`))),
    );
    const openMs = performance.now() - started;
    const open = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    const statuses = attempts.flatMap((a) =>
      a.status === 'rejected' ? [(a.reason as { status?: number }).status] : [],
    );
    expect(open).toHaveLength(maxConnections);
    expect(statuses).toEqual(Array(1_000 - maxConnections).fill(503));
    expect(fixture.bridge.connections).toBe(maxConnections);
    await Promise.all(open.slice(0, 5).map((client, i) => say(client, `alive ${i}`)));
    const perConversation = ((await retainedBytes()) - before) / maxConnections;
    expect(fixture.fake.connections.length).toBeLessThanOrEqual(maxConnections);
    console.log(
      `[connections] 1000 attempts in ${openMs.toFixed(0)} ms: ${open.length} open, ${statuses.length} x 503; ` +
        `retained ~${(perConversation / 1024).toFixed(0)} KiB per open conversation (bridge + runner + SDK + fake model)`,
    );
    expect(perConversation).toBeLessThan(1 * MiB);

    await Promise.all(open.map((client) => client.close()));
    await waitFor(() => fixture!.bridge.connections === 0 && fixture!.bridge.activeRuns === 0);
    const after = await TestClient.connect(fixture.url('late'));
    await say(after, 'room again');
  }, 120_000);
});
