import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionService } from '../src/index.js';
import { event, useRedis } from './support.js';

/**
 * A one-node Redis Cluster owning all 16384 slots. Cluster mode enforces the slot rules even
 * on one node: a script or command whose keys span two slots fails with CROSSSLOT, and a
 * script touching an undeclared key of another slot fails too. So every operation passing
 * here proves the key schema is cluster-legal.
 */
const { fixture } = useRedis({
  args: [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-announce-ip',
    '127.0.0.1',
  ],
});
let cluster: Cluster;

beforeAll(async () => {
  await fixture.admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  const deadline = Date.now() + 20_000;
  while (!String(await fixture.admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) {
    if (Date.now() > deadline) throw new Error('cluster did not become ok');
    await sleep(100);
  }
  cluster = new Cluster([{ host: '127.0.0.1', port: fixture.server.port }], {
    redisOptions: { maxRetriesPerRequest: 1 },
  });
  cluster.on('error', () => {});
});
afterAll(async () => {
  cluster?.disconnect();
});

describe('Redis Cluster', () => {
  it('every operation works through an ioredis Cluster: the scripts never cross a slot', async () => {
    const svc = new RedisSessionService({ redis: cluster, keyPrefix: 'c:', ttlSeconds: 600 });
    const ids = ['plain', 'a:b', '{x}', 'ü 🎧'];
    for (const id of ids) {
      const session = await svc.createSession({
        appName: id,
        userId: id,
        sessionId: id,
        state: { 'app:a': 1, 'user:u': 1, s: 1 },
      });
      await svc.appendEvent({
        session,
        event: event({ actions: { stateDelta: { 'app:a': 2, 'user:u': 2, s: 2, 'temp:t': 1 } } }),
      });
      await svc.createSession({ appName: id, userId: id, sessionId: `${id}-2` });
    }
    for (const id of ids) {
      const read = await svc.getSession({
        appName: id,
        userId: id,
        sessionId: id,
        config: { numRecentEvents: 1 },
      });
      expect(read?.state).toEqual({ 'app:a': 2, 'user:u': 2, s: 2 });
      expect(read?.events).toHaveLength(1);
      const after = await svc.getSession({
        appName: id,
        userId: id,
        sessionId: id,
        config: { afterTimestamp: 0 },
      });
      expect(after?.events).toHaveLength(1);
      const listed = await svc.listSessions({ appName: id, userId: id });
      expect(listed.sessions.map((s) => s.id).sort()).toEqual([id, `${id}-2`].sort());
      await svc.deleteSession({ appName: id, userId: id, sessionId: id });
      expect(await svc.getSession({ appName: id, userId: id, sessionId: id })).toBeUndefined();
    }
  });

  it('the cluster really rejects cross-slot scripts (the check above is not vacuous)', async () => {
    const error = await cluster
      .eval("return redis.call('GET', KEYS[2])", 2, '{a}x', '{b}y')
      .catch((e: unknown) => e as Error);
    expect(String(error)).toMatch(/CROSSSLOT/);
  });
});
