import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type BridgeFixture, startBridge } from './helpers/bridge-fixture.js';
import { TestClient } from './helpers/test-client.js';

let fixture: BridgeFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const refusal = (url: string, origin?: string) =>
  TestClient.open(url, { origin }).then(
    () => undefined,
    (error: { status?: number }) => error.status,
  );

describe('upgrades', () => {
  it('refuses an unauthenticated upgrade with 401 before any model connection', async () => {
    fixture = await startBridge();
    expect(await refusal(`ws://127.0.0.1:${fixture.port}/live`)).toBe(401);
    expect(await refusal(`ws://127.0.0.1:${fixture.port}/live?token=wrong`)).toBe(401);
    // An authenticate that resolves nonsense is a refusal too.
    await fixture.stop();
    fixture = await startBridge({ authenticate: () => ({ userId: '' }) });
    expect(await refusal(fixture.url('alice'))).toBe(401);
    expect(fixture.fake.connections).toHaveLength(0);
    expect(fixture.bridge.connections).toBe(0);
  });

  it('refuses a foreign Origin with 403 (same origin by default) and accepts the same origin', async () => {
    fixture = await startBridge();
    expect(await refusal(fixture.url('alice'), 'https://evil.example')).toBe(403);
    const same = await TestClient.connect(fixture.url('alice'), {
      origin: `http://127.0.0.1:${fixture.port}`,
    });
    expect(same.session.userId).toBe('alice');
    await same.close();
    expect(fixture.fake.connections.length).toBeLessThanOrEqual(1);
  });

  it('takes an allowlist or a predicate for origins', async () => {
    fixture = await startBridge({ allowedOrigins: ['https://app.example'] });
    expect(await refusal(fixture.url('alice'), 'https://evil.example')).toBe(403);
    const listed = await TestClient.connect(fixture.url('alice'), { origin: 'https://app.example' });
    await listed.close();
    await fixture.stop();
    fixture = await startBridge({
      allowedOrigins: (origin) => origin?.endsWith('.trusted.example') === true,
    });
    expect(await refusal(fixture.url('alice'), 'https://app.example')).toBe(403);
    const ok = await TestClient.connect(fixture.url('alice'), { origin: 'https://x.trusted.example' });
    await ok.close();
  });

  it('leaves other paths to the app (handleUpgrade returns false)', async () => {
    fixture = await startBridge();
    // The fixture destroys sockets the bridge did not take: the client sees a reset, not a 101.
    const outcome = await TestClient.open(`ws://127.0.0.1:${fixture.port}/other?token=tok-alice`).then(
      () => 'opened',
      () => 'refused',
    );
    expect(outcome).toBe('refused');
    expect(fixture.bridge.connections).toBe(0);
  });

  it('closes with 4000 for an invalid session id', async () => {
    fixture = await startBridge();
    const client = await TestClient.open(fixture.url('alice', 'bad\u0001id'));
    expect(await client.closed).toMatchObject({ code: 4000 });
    expect(fixture.fake.connections).toHaveLength(0);
  });

  it('plain HTTP requests are not the bridge’s business', async () => {
    fixture = await startBridge();
    const status = await new Promise<number | undefined>((resolve) => {
      request({ host: '127.0.0.1', port: fixture!.port, path: '/live' }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).end();
    });
    expect(status).toBe(404);
  });
});
