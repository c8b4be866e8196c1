import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClusterHandle, startRedisCluster } from '../src/index.js';
import { isAlive } from '../src/redis/redis-cluster.js';

let cluster: RedisClusterHandle;
let startMs = 0;

beforeAll(async () => {
  const started = Date.now();
  cluster = await startRedisCluster();
  startMs = Date.now() - started;
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

describe('startRedisCluster', () => {
  it('starts 3 masters sharing all 16384 slots and 3 replicas, one per master', async () => {
    const nodes = await cluster.topology();
    const masters = nodes.filter((n) => n.role === 'master');
    const replicas = nodes.filter((n) => n.role === 'replica');
    expect(masters).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    const owned = masters.flatMap((m) => m.slots).reduce((sum, [a, b]) => sum + b - a + 1, 0);
    expect(owned).toBe(16384);
    expect(new Set(replicas.map((r) => r.masterId))).toEqual(new Set(masters.map((m) => m.id)));
    expect((await cluster.masterOf(0)).role).toBe('master');
    expect(cluster.startupNodes).toHaveLength(6);
    expect(startMs).toBeLessThan(60_000);
  });

  it('fails a SIGKILLed master over to its replica and takes the old master back as a replica', async () => {
    const victim = await cluster.masterOf(0);
    const server = cluster.nodes.find((n) => n.port === victim.port)!;
    await server.kill('SIGKILL');
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const now = await cluster.masterOf(0).catch(() => undefined);
      if (now && now.port !== victim.port) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await cluster.masterOf(0)).port).not.toBe(victim.port);
    await server.restart();
    await cluster.waitHealthy({ timeoutMs: 30_000 });
    const back = (await cluster.topology()).find((n) => n.port === victim.port);
    expect(back?.role).toBe('replica');
  }, 90_000);

  it('moves slots between masters', async () => {
    const masters = (await cluster.topology()).filter((n) => n.role === 'master');
    const [from, to] = masters as [(typeof masters)[0], (typeof masters)[0]];
    const count = (m: typeof from) => m.slots.reduce((sum, [a, b]) => sum + b - a + 1, 0);
    await cluster.reshard({ fromId: from.id, toId: to.id, slots: 100 });
    const after = await cluster.topology();
    expect(count(after.find((n) => n.id === from.id)!)).toBe(count(from) - 100);
    expect(count(after.find((n) => n.id === to.id)!)).toBe(count(to) + 100);
  }, 90_000);

  it('stop() ends every node it started', async () => {
    const pids = cluster.nodes.map((n) => n.pid);
    await cluster.stop();
    await cluster.stop();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });
});
