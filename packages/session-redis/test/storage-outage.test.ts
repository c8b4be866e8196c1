import { setTimeout as sleep } from 'node:timers/promises';
import { FakeLiveServer } from '@earshot/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionService } from '../src/index.js';
import { AckRecorder, checkStored, longestOutageMs, noticesOf, startStreams } from './live-streams.js';
import { useRedis } from './support.js';

// appendonly + fsync always: the restarted server still has every acknowledged session.
const { fixture } = useRedis({ appendOnly: true });
let live: FakeLiveServer;
let service: RedisSessionService;

beforeAll(async () => {
  live = await FakeLiveServer.start();
  service = new RedisSessionService({ redis: fixture.server.url, keyPrefix: 'outage:' });
});
afterAll(async () => {
  await service?.close();
  await live?.close();
});

describe('the runner rides out a real redis-server outage', () => {
  it('redis-server SIGKILLed and restarted mid-stream: 5 runs go on, every event stored once, in order', async () => {
    const recorder = new AckRecorder(service);
    const streams = startStreams({ live, appName: 'voice', sessionService: recorder, count: 5, turnMs: 50 });
    const acked = () => [...recorder.acked.values()].reduce((n, ids) => n + ids.length, 0);
    while (acked() < 50) await sleep(20);
    await fixture.server.kill('SIGKILL');
    const killedAt = Date.now();
    await sleep(1500); // the model keeps talking while the store is down
    await fixture.server.restart();
    const restartedAfterMs = Date.now() - killedAt;
    const before = acked();
    while (acked() < before + 50) await sleep(20);
    const results = await streams.stop();

    // No run ended; every event a run kept is stored exactly once, in the order it was yielded.
    expect(await checkStored(service, 'voice', results, recorder)).toBe(0);
    for (const { userId, events } of results) {
      expect(noticesOf(events), userId).toEqual(['STORAGE_DEGRADED', 'STORAGE_RECOVERED']);
    }
    const outageMs = longestOutageMs(results);
    expect(outageMs).toBeGreaterThanOrEqual(1000);
    expect(outageMs).toBeLessThan(restartedAfterMs + 15_000);
    console.info(
      `redis-server outage: restarted after ${restartedAfterMs} ms; longest run outage ${outageMs} ms`,
    );
  }, 120_000);
});
