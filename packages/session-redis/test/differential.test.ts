import {
  createEvent,
  type Event,
  InMemorySessionService,
  type Session,
  type SessionService,
} from '@earshot/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useRedis } from './support.js';

const { service } = useRedis();

/** A small deterministic PRNG (mulberry32), so a failure is reproducible from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  return { next, pick, int: (n: number) => Math.floor(next() * n) };
}

const APPS = ['app', 'a:b'];
const USERS = ['u', '{u}'];
const SESSIONS = ['s1', 's 2', '*'];
const KEYS = ['k', 'app:k', 'user:k', 'temp:k', 'app:j', 'user:j', 'j'];
const VALUES = [null, 0, 1, 'x', { nested: [1, 'two'] }, true];

type Outcome = { ok: unknown } | { error: string };

async function outcome(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: await fn() };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('differential: RedisSessionService behaves like InMemorySessionService', () => {
  for (const seed of [1, 2, 3]) {
    it(`500 random operations give identical results (seed ${seed})`, async () => {
      const rnd = prng(seed);
      const memory = new InMemorySessionService();
      const redis = service();
      let now = 1_700_000_000_000;
      vi.spyOn(Date, 'now').mockImplementation(() => now);
      // Each service keeps its own copies of the session objects it handed out (like two callers).
      const held = new Map<string, { memory: Session; redis: Session }>();
      const delta = () => {
        const d: Record<string, unknown> = {};
        for (let i = rnd.int(3); i > 0; i--) d[rnd.pick(KEYS)] = rnd.pick(VALUES);
        return d;
      };
      const seen = { appends: 0, eventsRead: 0, listed: 0, paged: 0, errors: 0 };
      for (let step = 0; step < 500; step++) {
        now += 1 + rnd.int(3);
        const key = { appName: rnd.pick(APPS), userId: rnd.pick(USERS), sessionId: rnd.pick(SESSIONS) };
        const id = JSON.stringify(key);
        const op = rnd.int(12);
        const both = async (fn: (s: SessionService, which: 'memory' | 'redis') => Promise<unknown>) => {
          const [m, r] = [await outcome(() => fn(memory, 'memory')), await outcome(() => fn(redis, 'redis'))];
          expect(r, `step ${step} op ${op} ${id}`).toEqual(m);
          if ('error' in m) seen.errors++;
          return m;
        };
        if (op <= 1) {
          const state = delta();
          const result = await both((s) => s.createSession({ ...key, state }));
          if ('ok' in result) {
            held.set(id, {
              memory: (await memory.getSession(key))!,
              redis: (await redis.getSession(key))!,
            });
          }
        } else if (op <= 6) {
          const h = held.get(id);
          if (!h) continue;
          // Old ids now and then: a retry must be a no-op in storage.
          const base = h.memory.events.length && rnd.next() < 0.15 ? rnd.pick(h.memory.events) : undefined;
          const event: Event =
            base ??
            createEvent({
              author: rnd.pick(['user', 'agent']),
              timestamp: now - rnd.int(50),
              partial: rnd.next() < 0.1 ? true : undefined,
              content: { role: 'model', parts: [{ text: `step ${step}` }] },
              actions: { stateDelta: delta() },
            });
          if (
            'ok' in
            (await both((s, which) => s.appendEvent({ session: h[which], event: structuredClone(event) })))
          )
            seen.appends++;
          expect(h.redis).toEqual(h.memory);
        } else if (op <= 9) {
          const config = {
            numRecentEvents: rnd.next() < 0.5 ? rnd.int(6) : undefined,
            afterTimestamp: rnd.next() < 0.5 ? now - rnd.int(400) : undefined,
          };
          const read = await both((s) => s.getSession({ ...key, config }));
          seen.eventsRead += 'ok' in read ? ((read.ok as Session | undefined)?.events.length ?? 0) : 0;
        } else if (op === 10 && rnd.next() < 0.5) {
          const list = await both((s) => s.listSessions(key));
          seen.listed += 'ok' in list ? (list.ok as { sessions: Session[] }).sessions.length : 0;
        } else if (op === 10) {
          // Paged: same pages, same tokens (ties in lastUpdateTime are common here).
          const pageSize = 1 + rnd.int(3);
          let pageToken: string | undefined;
          for (let pages = 0; pages < 50; pages++) {
            const page = await both((s) => s.listSessions(key, { pageSize, pageToken }));
            if (!('ok' in page)) break;
            const { sessions, nextPageToken } = page.ok as { sessions: Session[]; nextPageToken?: string };
            seen.listed += sessions.length;
            seen.paged++;
            if (nextPageToken === undefined) break;
            pageToken = nextPageToken;
          }
        } else {
          await both((s) => s.deleteSession(key));
          held.delete(id);
        }
      }
      // Not vacuous: the walk did append, read events back, list, and hit errors.
      expect(seen.appends).toBeGreaterThan(50);
      expect(seen.eventsRead).toBeGreaterThan(50);
      expect(seen.listed).toBeGreaterThan(5);
      expect(seen.paged).toBeGreaterThan(5);
      expect(seen.errors).toBeGreaterThan(0);
    });
  }
});
