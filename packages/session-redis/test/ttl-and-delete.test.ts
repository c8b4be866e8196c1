import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { escapeGlob, event, scanKeys, useRedis } from './support.js';

const { fixture, service } = useRedis();
const key = { appName: 'app', userId: 'u', sessionId: 's' };

async function populated(svc: ReturnType<typeof service>, shared: boolean) {
  const session = await svc.createSession({
    ...key,
    state: shared ? { s: 1, 'app:a': 1, 'user:b': 1 } : { s: 1 },
  });
  for (let i = 0; i < 5; i++) {
    await svc.appendEvent({ session, event: event({ actions: { stateDelta: { [`k${i}`]: i } } }) });
  }
  return session;
}

describe('ttlSeconds', () => {
  it('puts the TTL on every key of the session and the index, not on app/user state', async () => {
    const svc = service({ ttlSeconds: 3600 });
    await populated(svc, true);
    const s = svc.keys.session(key);
    const u = svc.keys.user(key);
    for (const k of [s.meta, s.state, s.events, s.eventIds, s.eventTimes, u.sessionIndex]) {
      const ttl = await fixture.admin.ttl(k);
      expect(ttl, k).toBeGreaterThan(3590);
      expect(ttl, k).toBeLessThanOrEqual(3600);
    }
    const a = svc.keys.app(key.appName);
    expect(await fixture.admin.ttl(a.appState)).toBe(-1);
    expect(await fixture.admin.ttl(a.appliedDeltas)).toBe(-1);
    expect(await fixture.admin.ttl(u.userState)).toBe(-1);
  });

  it('is refreshed by every write on every key of the session', async () => {
    const svc = service({ ttlSeconds: 3600 });
    const session = await populated(svc, false);
    const s = svc.keys.session(key);
    const sessionKeys = [s.meta, s.state, s.events, s.eventIds, s.eventTimes];
    for (const k of sessionKeys) await fixture.admin.expire(k, 5);
    await svc.appendEvent({ session, event: event() });
    for (const k of sessionKeys) expect(await fixture.admin.ttl(k), k).toBeGreaterThan(3590);
  });

  it('expires the whole session; listing prunes its index entry; shared state stays', async () => {
    const svc = service({ ttlSeconds: 1 });
    await populated(svc, true);
    await svc.createSession({ appName: 'app', userId: 'u', sessionId: 'kept-by-other' });
    const u = svc.keys.user(key);
    await fixture.admin.persist(svc.keys.session({ ...key, sessionId: 'kept-by-other' }).meta);
    await fixture.admin.persist(u.sessionIndex);
    const deadline = Date.now() + 10_000;
    while ((await svc.getSession(key)) && Date.now() < deadline) await sleep(200);
    expect(await svc.getSession(key)).toBeUndefined();
    const listed = await svc.listSessions({ appName: 'app', userId: 'u' });
    expect(listed.sessions.map((x) => x.id)).toEqual(['kept-by-other']);
    expect(listed.sessions[0]?.state).toEqual({ 'app:a': 1, 'user:b': 1 });
    const index = await fixture.admin.zrange(u.sessionIndex, '0', '-1');
    expect(index.map((member) => member.slice(17))).toEqual(['kept-by-other']);
    const left = await scanKeys(fixture.admin, `${escapeGlob(svc.keys.prefix)}*`);
    const a = svc.keys.app(key.appName);
    expect(left.sort()).toEqual(
      [
        a.appState,
        a.appliedDeltas,
        u.userState,
        u.sessionIndex,
        svc.keys.session({ ...key, sessionId: 'kept-by-other' }).meta,
      ].sort(),
    );
  });

  it('rejects a TTL that is not a positive integer', () => {
    for (const ttlSeconds of [0, -1, 1.5, Number.NaN]) {
      expect(() => service({ ttlSeconds })).toThrow(/ttlSeconds/);
    }
  });
});

describe('deleteSession', () => {
  it('removes every key of the session and its index entry (checked with SCAN)', async () => {
    const svc = service();
    await populated(svc, false);
    expect((await scanKeys(fixture.admin, `${escapeGlob(svc.keys.prefix)}*`)).length).toBe(6);
    await svc.deleteSession(key);
    expect(await scanKeys(fixture.admin, `${escapeGlob(svc.keys.prefix)}*`)).toEqual([]);
  });

  it('keeps app: and user: state, which belong to the app and the user, not the session', async () => {
    const svc = service({ ttlSeconds: 60 });
    await populated(svc, true);
    await svc.deleteSession(key);
    const u = svc.keys.user(key);
    const a = svc.keys.app(key.appName);
    expect(await scanKeys(fixture.admin, `${escapeGlob(svc.keys.prefix)}*`)).toEqual(
      [a.appState, a.appliedDeltas, u.userState].sort(),
    );
    const again = await svc.createSession(key);
    expect(again.state).toEqual({ 'app:a': 1, 'user:b': 1 });
    expect((await svc.getSession(key))?.events).toEqual([]);
  });

  it('deleting one session leaves its siblings and their index entries alone', async () => {
    const svc = service();
    await populated(svc, false);
    await svc.createSession({ ...key, sessionId: 'sibling' });
    await svc.deleteSession(key);
    expect((await svc.listSessions({ appName: 'app', userId: 'u' })).sessions.map((x) => x.id)).toEqual([
      'sibling',
    ]);
  });
});
