import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError } from '@earshot/core';
import { type RedisServerHandle, startRedisServer } from '@earshot/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurabilityError, RedisSessionService } from '../src/index.js';
import { event, useRedis } from './support.js';

/** A standalone primary (from useRedis) with one real replica following it. */
const { fixture, client } = useRedis();
let replica: RedisServerHandle;

/** Until the primary lists exactly one replica and it is online (synced, streaming). */
async function replicaLinked(admin: Redis) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const info = await admin.info('replication');
    if (info.includes('connected_slaves:1') && /slave0:.*state=online/.test(info)) return;
    if (Date.now() > deadline) throw new Error(`replica never came online: ${info}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(fixture.server.port)] });
  await replicaLinked(fixture.admin);
}, 60_000);
afterAll(async () => {
  await replica?.stop();
});

describe('durability on a standalone primary: WAIT on the connection that ran the write', () => {
  const key = { appName: 'app', userId: 'u', sessionId: 's' };

  it('waits for the replica; with the replica gone, a DurabilityError says 0 of 1 and the retry completes once', async () => {
    const svc = new RedisSessionService({
      redis: client(),
      keyPrefix: 'wait:',
      durability: { replicas: 1, timeoutMs: 300 },
    });
    const session = await svc.createSession(key);
    await svc.appendEvent({ session, event: event({ actions: { stateDelta: { 'app:a': 1 } } }) });
    const mirror = new Redis(replica.url);
    expect(await mirror.exists(svc.keys.session(key).meta)).toBe(1); // already on the replica
    mirror.disconnect();

    await replica.kill('SIGKILL');
    const e = event();
    const started = Date.now();
    const error = await svc.appendEvent({ session, event: e }).catch((x: unknown) => x);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(error).toBeInstanceOf(DurabilityError);
    expect(error).toMatchObject({ code: 'STORAGE', acknowledged: 0, replicas: 1 });
    expect(session.events).toHaveLength(1); // not acknowledged: the caller's object is unchanged
    // It did reach the primary; the retry after the replica is back completes it, once.
    expect((await svc.getSession(key))?.events.map((x) => x.id)).toContain(e.id);
    await replica.restart();
    await replicaLinked(fixture.admin);
    await svc.appendEvent({ session, event: e });
    expect((await svc.getSession(key))?.events).toHaveLength(2);
  }, 60_000);

  it('rejects durability options that are not positive integers', () => {
    for (const durability of [
      { replicas: 0, timeoutMs: 100 },
      { replicas: 1, timeoutMs: 0 },
      { replicas: 1.5, timeoutMs: 1 },
      {},
    ]) {
      expect(
        () =>
          new RedisSessionService({
            redis: client(),
            durability: durability as { replicas: number; timeoutMs: number },
          }),
      ).toThrow(InvalidArgumentError);
    }
  });
});
