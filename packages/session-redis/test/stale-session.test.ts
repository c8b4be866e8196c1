import { describe, expect, it } from 'vitest';
import { RedisSessionService } from '../src/index.js';
import { event, useRedis } from './support.js';

const { client } = useRedis();
const key = { appName: 'app', userId: 'u', sessionId: 's' };

describe('the stale-session rule: appends are commutative, a stale session object is not an error', () => {
  it("a second process's stale session object still appends, and both processes then see every event", async () => {
    const prefix = `stale-${Date.now()}:`;
    const processA = new RedisSessionService({ redis: client(), keyPrefix: prefix });
    const processB = new RedisSessionService({ redis: client(), keyPrefix: prefix });
    const live = await processA.createSession({ ...key, state: { turn: 0 } });
    // Process B loads the session once…
    const loadedByB = (await processB.getSession(key))!;
    // …then process A keeps appending (a live run), so B's copy falls behind storage.
    for (let turn = 1; turn <= 5; turn++) {
      await processA.appendEvent({ session: live, event: event({ actions: { stateDelta: { turn } } }) });
    }
    expect(loadedByB.events).toHaveLength(0);
    expect(loadedByB.lastUpdateTime).toBeLessThan(live.lastUpdateTime);

    // B appends with its stale object: accepted, nothing of A's is lost or overwritten.
    const fromB = event({ author: 'user', actions: { stateDelta: { note: 'from B' } } });
    await processB.appendEvent({ session: loadedByB, event: fromB });
    await processA.appendEvent({ session: live, event: event({ actions: { stateDelta: { turn: 6 } } }) });

    const seenByA = (await processA.getSession(key))!;
    const seenByB = (await processB.getSession(key))!;
    expect(seenByA).toEqual(seenByB);
    expect(seenByA.events).toHaveLength(7);
    expect(seenByA.events[5]?.id).toBe(fromB.id);
    expect(seenByA.state).toEqual({ turn: 6, note: 'from B' });
    // B's object is only as fresh as what B did: it holds B's event, not A's (reload to catch up).
    expect(loadedByB.events.map((e) => e.id)).toEqual([fromB.id]);
    expect(loadedByB.state).toEqual({ turn: 0, note: 'from B' });
  });

  it('a retried append (same event id) after a lost reply is stored once but still mirrored on the object', async () => {
    const svc = new RedisSessionService({ redis: client(), keyPrefix: `retry-${Date.now()}:` });
    const session = await svc.createSession(key);
    const e = event({ actions: { stateDelta: { n: 1 } } });
    await svc.appendEvent({ session, event: e });
    const fresh = (await svc.getSession(key))!;
    fresh.events = [];
    await svc.appendEvent({ session: fresh, event: e });
    expect(fresh.events).toHaveLength(1);
    expect(fresh.lastUpdateTime).toBe(e.timestamp);
    expect((await svc.getSession(key))?.events).toHaveLength(1);
  });
});
