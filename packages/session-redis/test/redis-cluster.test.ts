import { setTimeout as sleep } from 'node:timers/promises';
import { type Event, StorageError } from '@earshot/core';
import { FakeLiveServer } from '@earshot/testing';
import { sessionServiceConformance } from '@earshot/testing/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurabilityError, type RedisSessionService } from '../src/index.js';
import { spreadOver, useRedisCluster, waitForNewMaster } from './cluster-support.js';
import { AckRecorder, checkStored, longestOutageMs, noticesOf, startStreams } from './live-streams.js';
import { event } from './support.js';

/** One 6-node cluster (3 masters, 3 replicas) for the whole file; the failovers come last. */
const { fixture, client, service } = useRedisCluster();
let live: FakeLiveServer;
beforeAll(async () => {
  live = await FakeLiveServer.start();
});
afterAll(async () => {
  await live?.close();
});

sessionServiceConformance('RedisSessionService on a 6-node Redis Cluster', async () => service());
sessionServiceConformance(
  'RedisSessionService on a 6-node Redis Cluster, durability {replicas: 1}',
  async () => service({ durability: { replicas: 1, timeoutMs: 5000 } }),
);

describe('one app spreads over the whole cluster', () => {
  it("an app's sessions, user: state and indexes land on every master; app: state in one slot", async () => {
    const svc = service();
    const users = 300;
    for (let i = 0; i < users; i += 30) {
      await Promise.all(
        Array.from({ length: 30 }, async (_, j) => {
          const session = await svc.createSession({
            appName: 'big',
            userId: `user-${i + j}`,
            sessionId: 's',
          });
          await svc.appendEvent({
            session,
            event: event({ actions: { stateDelta: { 'user:n': i + j, 'app:last': 1 } } }),
          });
        }),
      );
    }
    const masters = (svc.client as ReturnType<typeof client>).nodes('master');
    expect(masters).toHaveLength(3);
    const spread = await spreadOver(masters, svc.keys.prefix);
    const total = spread.reduce((n, s) => n + s.keys, 0);
    // 300 users × (meta, events, eventids, eventts, user, sessions; no session state) + app + appdeltas
    expect(total).toBe(users * 6 + 2);
    for (const { keys } of spread) expect(keys / total).toBeLessThan(0.4);
    expect(spread.every(({ keys }) => keys > 0)).toBe(true);
    const listed = await svc.listSessions({ appName: 'big', userId: 'user-7' });
    expect(listed.sessions[0]?.state).toEqual({ 'user:n': 7, 'app:last': 1 });
  }, 60_000);
});

describe('durability on a cluster: WAIT on the master that ran the write', () => {
  it('{replicas: 1} succeeds; {replicas: 2} with one replica per master is a DurabilityError saying how many', async () => {
    const one = service({ durability: { replicas: 1, timeoutMs: 2000 } });
    const session = await one.createSession({ appName: 'd', userId: 'u', sessionId: 's' });
    await one.appendEvent({
      session,
      event: event({ actions: { stateDelta: { 'app:a': 1, 'user:b': 1 } } }),
    });
    const two = service({ keyPrefix: one.keys.prefix, durability: { replicas: 2, timeoutMs: 200 } });
    const e = event();
    const error = await two.appendEvent({ session, event: e }).catch((x: unknown) => x);
    expect(error).toBeInstanceOf(DurabilityError);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: 'STORAGE', acknowledged: 1, replicas: 2, timeoutMs: 200 });
    expect((error as Error).message).toContain('1 of the 2 replica(s)');
    // The write is on the master (and its one replica): a retry with {replicas: 1} completes it once.
    await one.appendEvent({ session, event: e });
    expect((await one.getSession({ appName: 'd', userId: 'u', sessionId: 's' }))?.events).toHaveLength(2);
  });
});

/** Appends `turn n` events to one session per writer until stopped; retries a failed append with the same event. */
function writers(svc: RedisSessionService, count: number, tag: string) {
  let running = true;
  const acked = new Map<string, string[]>();
  let failures = 0;
  const loops = Array.from({ length: count }, async (_, w) => {
    const userId = `${tag}-${w}`;
    const session = await svc.createSession({ appName: 'moving', userId, sessionId: 's' });
    const ids: string[] = [];
    acked.set(userId, ids);
    while (running) {
      const e: Event = event({ author: userId });
      for (;;) {
        try {
          await svc.appendEvent({ session, event: e });
          break;
        } catch {
          failures++;
          await sleep(50);
        }
      }
      ids.push(e.id);
    }
  });
  return {
    acked,
    get failures() {
      return failures;
    },
    count: () => [...acked.values()].reduce((n, ids) => n + ids.length, 0),
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('a slot moved while appending', () => {
  it('resharding 1,000 slots under 24 writers (durability on and off): every append stored once, in order', async () => {
    const plain = service();
    const durable = service({ keyPrefix: plain.keys.prefix, durability: { replicas: 1, timeoutMs: 2000 } });
    const a = writers(plain, 12, 'plain');
    const b = writers(durable, 12, 'durable');
    while (a.count() + b.count() < 200) await sleep(20);
    const [from, to] = (await fixture.cluster.topology()).filter((n) => n.role === 'master');
    const before = a.count() + b.count();
    const started = Date.now();
    await fixture.cluster.reshard({ fromId: from!.id, toId: to!.id, slots: 1000 });
    const reshardMs = Date.now() - started;
    const during = a.count() + b.count() - before;
    await a.stop();
    await b.stop();
    expect(during).toBeGreaterThan(0); // appends went on while slots moved
    for (const w of [a, b]) {
      for (const [userId, ids] of w.acked) {
        const stored = await plain.getSession({ appName: 'moving', userId, sessionId: 's' });
        expect(
          stored?.events.map((e) => e.id),
          userId,
        ).toEqual(ids);
      }
    }
    console.info(
      `reshard of 1000 slots: ${reshardMs} ms, ${during} appends during it, ${a.failures + b.failures} failed attempts retried`,
    );
  }, 120_000);
});

async function failover(durability: boolean) {
  const svc = service(durability ? { durability: { replicas: 1, timeoutMs: 1000 } } : {});
  const recorder = new AckRecorder(svc);
  const streams = startStreams({ live, appName: 'voice', sessionService: recorder, count: 20, turnMs: 100 });
  const acked = () => [...recorder.acked.values()].reduce((n, ids) => n + ids.length, 0);
  while (acked() < 200) await sleep(20);
  // The master holding user u0's keys dies mid-stream.
  const slot = Number(
    await fixture.cluster.cli(
      fixture.cluster.nodes[0]!.port,
      'cluster',
      'keyslot',
      svc.keys.session({ appName: 'voice', userId: 'u0', sessionId: 's' }).meta,
    ),
  );
  const victim = await fixture.cluster.masterOf(slot);
  const server = fixture.cluster.nodes.find((n) => n.port === victim.port)!;
  await server.kill('SIGKILL');
  const failoverMs = await waitForNewMaster(fixture.cluster, slot, victim.port);
  await server.restart(); // back as a replica of the promoted master (needed for WAIT to succeed again)
  await fixture.cluster.waitHealthy({ timeoutMs: 60_000 });
  const healthy = acked();
  while (acked() < healthy + 200) await sleep(20);
  const results = await streams.stop();
  const lost = await checkStored(svc, 'voice', results, recorder);
  for (const { userId, events } of results) {
    const notices = noticesOf(events);
    expect(notices.filter((n) => n === 'STORAGE_DEGRADED').length, userId).toBe(
      notices.filter((n) => n === 'STORAGE_RECOVERED').length,
    );
  }
  expect(lost).toBe(0);
  const degraded = results.filter(({ events }) => noticesOf(events).length > 0).length;
  expect(degraded).toBeGreaterThan(0); // the runs on the dead master did see the outage
  const outageMs = longestOutageMs(results);
  console.info(
    `failover (durability ${durability ? 'on' : 'off'}): promoted after ${failoverMs} ms; ${degraded}/20 runs degraded, 0 ended; longest outage ${outageMs} ms; ${acked()} acknowledged, 0 lost`,
  );
}

describe('a master SIGKILLed mid-stream while 20 live runs stream through FakeLiveServer', () => {
  it('durability off: 0 runs ended, 0 acknowledged events lost, every event stored once in order', async () => {
    await failover(false);
  }, 180_000);

  it('durability {replicas: 1}: 0 runs ended, 0 acknowledged events lost, every event stored once in order', async () => {
    await failover(true);
  }, 180_000);
});
