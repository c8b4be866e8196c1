import { setTimeout as sleep } from 'node:timers/promises';
import { StorageError } from '@earshot/core';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisSessionService } from '../src/index.js';
import { event, useRedis } from './support.js';

// appendonly yes + appendfsync always: Redis replies only after the write is fsynced.
const { fixture } = useRedis({ appendOnly: true });
const key = { appName: 'app', userId: 'u', sessionId: 's' };
const WRITERS = 4;

describe('SIGKILL mid-stream with appendonly yes, appendfsync always', () => {
  let svc: RedisSessionService | undefined;
  afterAll(async () => svc?.close());

  it('every acknowledged append is still there after restart; none is half-applied', async () => {
    // A URL: the service owns a fail-fast client that reconnects by itself.
    svc = new RedisSessionService({ redis: fixture.server.url, keyPrefix: 'aof:' });
    const service = svc;
    const session = await service.createSession(key);
    const acked: string[] = [];
    const failures: unknown[] = [];
    let attempted = 0;
    let stop = false;

    const writer = async (w: number) => {
      for (let n = 1; !stop; n++) {
        attempted++;
        // Each event carries a state key of its own: event and state must land together or not at all.
        const e = event({ author: `w${w}`, actions: { stateDelta: { [`mark:${w}:${n}`]: n } } });
        try {
          await service.appendEvent({ session, event: e });
          acked.push(e.id);
        } catch (error) {
          failures.push(error);
          await sleep(20);
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));

    while (acked.length < 200) await sleep(10);
    await fixture.server.kill('SIGKILL');
    const ackedBeforeKill = acked.length;
    await sleep(300);
    await fixture.server.restart();
    const resumedAt = acked.length;
    const deadline = Date.now() + 20_000;
    while (acked.length < resumedAt + 200 && Date.now() < deadline) await sleep(20);
    stop = true;
    await Promise.all(writers);

    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(f).toBeInstanceOf(StorageError);
    expect(acked.length).toBeGreaterThanOrEqual(resumedAt + 200);

    const stored = (await service.getSession(key))!;
    const storedIds = new Set(stored.events.map((e) => e.id));
    expect(storedIds.size).toBe(stored.events.length);
    const missing = acked.filter((id) => !storedIds.has(id));
    expect(missing).toEqual([]);
    // An unacknowledged append may or may not be stored, but never without its state (or vice versa).
    const marks = Object.keys(stored.state).filter((k) => k.startsWith('mark:'));
    expect(marks).toHaveLength(stored.events.length);
    for (const e of stored.events) {
      const [mark] = Object.keys(e.actions.stateDelta);
      expect(stored.state[mark!]).toBeDefined();
    }
    expect(stored.events.length).toBeLessThanOrEqual(attempted);
    expect(ackedBeforeKill).toBeGreaterThanOrEqual(200);
  });
});
