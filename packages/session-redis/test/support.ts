import { randomUUID } from 'node:crypto';
import { createEvent, type Event, type EventInit } from '@earshot/core';
import { type RedisServerHandle, type StartRedisServerOptions, startRedisServer } from '@earshot/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { RedisSessionService, type RedisSessionServiceOptions } from '../src/index.js';

export interface RedisFixture {
  server: RedisServerHandle;
  /** A plain client for assertions (SCAN, TTL, …). */
  admin: Redis;
  /** Clients created through `client()`; all closed after the file. */
  clients: Redis[];
}

/**
 * One redis-server per test file: started in beforeAll, stopped (with every client made
 * through `client()`) in afterAll.
 */
export function useRedis(options: StartRedisServerOptions = {}) {
  const fixture = {} as RedisFixture;
  beforeAll(async () => {
    fixture.server = await startRedisServer(options);
    fixture.clients = [];
    fixture.admin = client();
  });
  afterAll(async () => {
    for (const c of fixture.clients ?? []) c.disconnect();
    await fixture.server?.stop();
  });

  function client(): Redis {
    const c = new Redis(fixture.server.url, { maxRetriesPerRequest: 1 });
    c.on('error', () => {});
    fixture.clients.push(c);
    return c;
  }

  /** A service over a fresh random key prefix: an empty, isolated store on the shared server. */
  function service(extra: Partial<RedisSessionServiceOptions> = {}): RedisSessionService {
    return new RedisSessionService({ redis: client(), keyPrefix: `t-${randomUUID()}:`, ...extra });
  }

  return { fixture, client, service };
}

/** Every key under a prefix, via SCAN (never KEYS). */
export async function scanKeys(redis: Redis, match: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

let clock = 0;

/** An event with a strictly increasing timestamp, never behind the wall clock. */
export function event(init: Partial<EventInit> = {}): Event {
  clock = Math.max(clock + 1, Date.now());
  return createEvent({ author: 'agent', invocationId: 'e-test', timestamp: clock, ...init });
}
