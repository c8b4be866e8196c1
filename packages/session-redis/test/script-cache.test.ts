import { setImmediate as tick } from 'node:timers/promises';
import type { Event } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { RedisSessionService } from '../src/index.js';
import { event, useRedis } from './support.js';

/**
 * Scripts are called by SHA. An empty script cache (a fresh server, a restart, SCRIPT FLUSH)
 * answers NOSCRIPT to every call sent before the script is loaded again; the calls that got it
 * must run again in the order they were first sent, before any later call runs.
 */
const { fixture, client } = useRedis();
const key = { appName: 'app', userId: 'u', sessionId: 's' };
const COUNT = 1000;

function burst(
  svc: RedisSessionService,
  session: Parameters<RedisSessionService['appendEvent']>[0]['session'],
  name: string,
) {
  return Array.from({ length: COUNT }, (_, i) =>
    svc.appendEvent({
      session,
      event: event({
        author: name,
        customMetadata: { n: i + 1 },
        actions: {
          stateDelta: { [`n:${name}`]: i + 1, [`app:n:${name}`]: i + 1, [`user:n:${name}`]: i + 1 },
        },
      }),
    }),
  );
}

async function expectInOrder(svc: RedisSessionService, names: string[]) {
  const stored = (await svc.getSession(key))!;
  expect(stored.events).toHaveLength(names.length * COUNT);
  for (const name of names) {
    const ns = stored.events.filter((e: Event) => e.author === name).map((e) => e.customMetadata?.n);
    expect(ns).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
    expect(stored.state[`n:${name}`]).toBe(COUNT);
    expect(stored.state[`app:n:${name}`]).toBe(COUNT);
    expect(stored.state[`user:n:${name}`]).toBe(COUNT);
  }
}

describe('script cache misses keep each writer in order', () => {
  it('cold cache, two writers on two connections, five rounds: every append in its writer order', async () => {
    for (let round = 0; round < 5; round++) {
      await fixture.admin.script('FLUSH');
      const prefix = `cold-${round}-${Date.now()}:`;
      const a = new RedisSessionService({ redis: client(), keyPrefix: prefix });
      const b = new RedisSessionService({ redis: client(), keyPrefix: prefix });
      await fixture.admin.script('FLUSH'); // createSession is not what loads the append scripts
      const sessionA = await a.createSession(key);
      const sessionB = (await b.getSession(key))!;
      await fixture.admin.script('FLUSH');
      await Promise.all([...burst(a, sessionA, 'a'), ...burst(b, sessionB, 'b')]);
      await expectInOrder(a, ['a', 'b']);
    }
  });

  it('SCRIPT FLUSH in the middle of a burst, on the writer connection: the calls that missed run again first, in order', async () => {
    for (let round = 0; round < 3; round++) {
      const redis = client();
      const svc = new RedisSessionService({ redis, keyPrefix: `flush-${round}-${Date.now()}:` });
      const session = await svc.createSession(key);
      // Warm: both scripts cached, so the burst's first part runs by SHA.
      await svc.appendEvent({ session, event: event({ actions: { stateDelta: { 'app:warm': 1 } } }) });
      const appends = burst(svc, session, 'w');
      // Queued behind the first appends sent and ahead of the `app:` parts they will send.
      const flushed = redis.script('FLUSH');
      await Promise.all(appends);
      expect(await flushed).toBe('OK');
      const stored = (await svc.getSession(key))!;
      stored.events.shift(); // the warm-up event
      expect(stored.events.map((e) => e.customMetadata?.n)).toEqual(
        Array.from({ length: COUNT }, (_, i) => i + 1),
      );
      expect(stored.state).toMatchObject({ 'n:w': COUNT, 'app:n:w': COUNT, 'user:n:w': COUNT });
    }
  });

  it('appends made one per tick across a cold cache: the ones sent after a NOSCRIPT reply do not overtake the ones retried', async () => {
    // Fails on a retry-each-miss-on-its-own runner: an append sent by SHA after the first EVAL
    // reloaded the script ran ahead of earlier appends still waiting for their own EVAL.
    for (let round = 0; round < 5; round++) {
      const svc = new RedisSessionService({ redis: client(), keyPrefix: `tick-${round}-${Date.now()}:` });
      const session = await svc.createSession(key);
      await svc.appendEvent({ session, event: event({}) }); // warm: the next calls go by SHA
      await fixture.admin.script('FLUSH');
      const appends = [];
      for (let i = 1; i <= 300; i++) {
        appends.push(svc.appendEvent({ session, event: event({ customMetadata: { n: i } }) }));
        await tick();
      }
      await Promise.all(appends);
      const stored = (await svc.getSession(key))!;
      stored.events.shift(); // the warm-up event
      expect(stored.events.map((e) => e.customMetadata?.n)).toEqual(
        Array.from({ length: 300 }, (_, i) => i + 1),
      );
    }
  });
});
