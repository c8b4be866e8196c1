import type { Event } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { RedisSessionService } from '../src/index.js';
import { event, useRedis } from './support.js';

const { client } = useRedis();
const key = { appName: 'app', userId: 'u', sessionId: 's' };
const PER_WRITER = 1000;

describe('concurrent writers', () => {
  it('2 service instances × 1,000 concurrent appends: all 2,000 stored, one order, exact counters', async () => {
    const prefix = `conc-${Date.now()}:`;
    // Two instances on two connections: the same situation as two runner processes.
    const a = new RedisSessionService({ redis: client(), keyPrefix: prefix });
    const b = new RedisSessionService({ redis: client(), keyPrefix: prefix });
    await a.createSession(key);
    const sessionA = (await a.getSession(key))!;
    const sessionB = (await b.getSession(key))!;

    const writes = (name: 'a' | 'b', svc: RedisSessionService, session: typeof sessionA) =>
      Array.from({ length: PER_WRITER }, (_, i) =>
        svc.appendEvent({
          session,
          event: event({
            author: name,
            customMetadata: { writer: name, n: i + 1 },
            // per-writer counters in all three scopes: each writer's appends land in its own order
            actions: {
              stateDelta: {
                [`count:${name}`]: i + 1,
                [`app:count:${name}`]: i + 1,
                [`user:count:${name}`]: i + 1,
              },
            },
          }),
        }),
      );
    const results = await Promise.all([...writes('a', a, sessionA), ...writes('b', b, sessionB)]);
    expect(results).toHaveLength(2 * PER_WRITER);

    const fromA = (await a.getSession(key))!;
    const fromB = (await b.getSession(key))!;
    expect(fromA.events).toHaveLength(2 * PER_WRITER);
    expect(new Set(fromA.events.map((e) => e.id)).size).toBe(2 * PER_WRITER);
    // Both readers see the same single order…
    expect(fromB.events.map((e) => e.id)).toEqual(fromA.events.map((e) => e.id));
    // …in which each writer's events keep the order it sent them.
    for (const name of ['a', 'b']) {
      const ns = fromA.events.filter((e: Event) => e.author === name).map((e) => e.customMetadata?.n);
      expect(ns).toEqual(Array.from({ length: PER_WRITER }, (_, i) => i + 1));
    }
    for (const name of ['a', 'b']) {
      expect(fromA.state[`count:${name}`]).toBe(PER_WRITER);
      expect(fromA.state[`app:count:${name}`]).toBe(PER_WRITER);
      expect(fromA.state[`user:count:${name}`]).toBe(PER_WRITER);
    }
    // Each passed session object saw exactly its own writer's 1,000 appends.
    expect(sessionA.events).toHaveLength(PER_WRITER);
    expect(sessionB.events).toHaveLength(PER_WRITER);
    // The last-N read agrees with the tail of the full read.
    const recent = await b.getSession({ ...key, config: { numRecentEvents: 5 } });
    expect(recent?.events.map((e) => e.id)).toEqual(fromA.events.slice(-5).map((e) => e.id));
  });

  it('two writers on distinct keys of one session never lose a state update (no read-modify-write)', async () => {
    const svc = new RedisSessionService({ redis: client(), keyPrefix: `conc2-${Date.now()}:` });
    const other = new RedisSessionService({ redis: client(), keyPrefix: svc.keys.prefix });
    const session = await svc.createSession(key);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 ? svc : other).appendEvent({
          session,
          event: event({ actions: { stateDelta: { [`k${i}`]: i } } }),
        }),
      ),
    );
    const read = (await svc.getSession(key))!;
    expect(Object.keys(read.state)).toHaveLength(200);
  });
});
