import { StorageError } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { event, useRedis } from './support.js';

const { fixture, service } = useRedis();
const key = { appName: 'app', userId: 'u', sessionId: 's' };

/**
 * Proof by poisoning: old event bodies are replaced with invalid JSON. Any read that loads
 * them fails, so a read that succeeds provably did not load them.
 */
describe('reads load only what they return', () => {
  async function poisoned(count: number) {
    const svc = service();
    const session = await svc.createSession(key);
    const events = [];
    for (let i = 0; i < count; i++) {
      const e = event({ timestamp: 1000 + i });
      events.push(e);
      await svc.appendEvent({ session, event: e });
    }
    const s = svc.keys.session(key);
    for (let seq = 1; seq <= count - 3; seq++) await fixture.admin.hset(s.events, String(seq), '{poison');
    return { svc, events, s };
  }

  it('getSession({numRecentEvents}) reads only the last N bodies', async () => {
    const { svc, events } = await poisoned(50);
    const read = await svc.getSession({ ...key, config: { numRecentEvents: 3 } });
    expect(read?.events.map((e) => e.id)).toEqual(events.slice(-3).map((e) => e.id));
    await expect(svc.getSession(key)).rejects.toBeInstanceOf(StorageError);
  });

  it('getSession({afterTimestamp}) reads only the matching bodies', async () => {
    const { svc, events } = await poisoned(50);
    const read = await svc.getSession({ ...key, config: { afterTimestamp: 1047 } });
    expect(read?.events.map((e) => e.id)).toEqual(events.slice(-3).map((e) => e.id));
    const both = await svc.getSession({ ...key, config: { afterTimestamp: 1000, numRecentEvents: 2 } });
    expect(both?.events.map((e) => e.id)).toEqual(events.slice(-2).map((e) => e.id));
  });

  it('listSessions never touches events, and appendEvent never reads old events', async () => {
    const { svc, s } = await poisoned(10);
    // Not even the key type of the event hash matters to listing.
    await fixture.admin.del(s.events);
    await fixture.admin.set(s.events, 'not a hash');
    const { sessions } = await svc.listSessions({ appName: 'app', userId: 'u' });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.events).toEqual([]);
    await fixture.admin.del(s.events);
    await fixture.admin.hset(s.events, '1', '{poison');
    const session = (await svc.getSession({ ...key, config: { numRecentEvents: 0 } }))!;
    await svc.appendEvent({ session, event: event() });
    expect((await svc.getSession({ ...key, config: { numRecentEvents: 1 } }))?.events).toHaveLength(1);
  });
});

describe('foreign data in the keyspace', () => {
  it('an append that meets any key of the wrong type writes nothing and rejects with StorageError', async () => {
    const svc = service();
    const session = await svc.createSession({ ...key, state: { s: 0, 'app:a': 0, 'user:b': 0 } });
    await svc.appendEvent({ session, event: event({ timestamp: 1 }) });
    const before = await svc.getSession(key);
    const s = svc.keys.session(key);
    const u = svc.keys.user(key);
    const targets = [s.meta, s.state, s.events, s.eventIds, s.eventTimes, u.userState, u.sessionIndex];
    for (const target of targets) {
      const saved = await fixture.admin.dumpBuffer(target);
      await fixture.admin.del(target);
      await fixture.admin.set(target, 'someone else wrote here');
      const e = event({ actions: { stateDelta: { s: 1, 'app:a': 1, 'user:b': 1 } } });
      const error = await svc.appendEvent({ session, event: e }).catch((x: unknown) => x);
      expect(error, target).toBeInstanceOf(StorageError);
      await fixture.admin.del(target);
      if (saved) await fixture.admin.restore(target, 0, saved);
    }
    expect(session.events).toHaveLength(1);
    expect(await svc.getSession(key)).toEqual(before);
  });
});
