import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { keysAndMemory, type RedisClusterHandle, startRedisCluster } from '@earshot/testing';
import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { RedisSessionService, type RedisSessionServiceOptions } from '../src/index.js';

/**
 * One 6-node Redis Cluster (3 masters + 3 replicas) per test file, started in beforeAll (about
 * 8 s) and stopped by pid in afterAll, with every ioredis Cluster client made through `client()`.
 */
export function useRedisCluster() {
  const fixture = { clients: [] as Cluster[] } as { cluster: RedisClusterHandle; clients: Cluster[] };
  beforeAll(async () => {
    fixture.cluster = await startRedisCluster({
      // The recipe of reference/distributed-engines.md: AOF every second on every node.
      args: ['--appendonly', 'yes', '--appendfsync', 'everysec'],
    });
  }, 120_000);
  afterAll(async () => {
    for (const c of fixture.clients) c.disconnect();
    await fixture.cluster?.stop();
  }, 60_000);

  function client(): Cluster {
    const c = new Cluster([...fixture.cluster.startupNodes], {
      redisOptions: { maxRetriesPerRequest: 1 },
      // Fail a call within a few seconds while a slot has no master; the runner retries.
      maxRedirections: 16,
      retryDelayOnClusterDown: 100,
      retryDelayOnFailover: 100,
    });
    c.on('error', () => {});
    fixture.clients.push(c);
    return c;
  }

  let shared: Cluster | undefined;
  /** A service over a fresh random key prefix, on one Cluster client shared by the file. */
  function service(extra: Partial<RedisSessionServiceOptions> = {}): RedisSessionService {
    shared ??= client();
    return new RedisSessionService({ redis: shared, keyPrefix: `c-${randomUUID()}:`, ...extra });
  }

  return { fixture, client, service };
}

/** Keys under `prefix` held by each master, and the memory they use (SCAN + MEMORY USAGE). */
export function spreadOver(masters: Redis[], prefix: string): Promise<{ keys: number; bytes: number }[]> {
  return Promise.all(masters.map((node) => keysAndMemory(node, prefix)));
}

/** Waits until `slot` is served by a master other than the one on `port` (a failover happened). */
export async function waitForNewMaster(
  cluster: RedisClusterHandle,
  slot: number,
  port: number,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const master = await cluster.masterOf(slot).catch(() => undefined);
    if (master && master.port !== port) return Date.now() - started;
    if (Date.now() - started > 60_000) throw new Error(`no failover of slot ${slot} within 60 s`);
    await sleep(100);
  }
}
