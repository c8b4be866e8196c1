import { StorageError } from '@earshot/core';
import { startRedisServer } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { RedisSessionService } from '../src/index.js';
import { LuaScript } from '../src/script-runner.js';
import { CREATE_SESSION } from '../src/scripts.js';
import { event, useRedis } from './support.js';

const { fixture, client } = useRedis();
const key = { appName: 'app', userId: 'u', sessionId: 's' };

describe('connection loss', () => {
  it('a server that is not there: every call rejects with StorageError, quickly', async () => {
    const gone = await startRedisServer();
    const url = gone.url;
    await gone.stop();
    const svc = new RedisSessionService({ redis: url });
    try {
      const started = Date.now();
      await expect(svc.createSession(key)).rejects.toBeInstanceOf(StorageError);
      await expect(svc.getSession(key)).rejects.toBeInstanceOf(StorageError);
      await expect(svc.listSessions(key)).rejects.toBeInstanceOf(StorageError);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await svc.close();
    }
  });

  it('a failed append rejects, leaves the session object untouched, and the client reconnects by itself', async () => {
    const svc = new RedisSessionService({ redis: fixture.server.url, keyPrefix: 'loss:' });
    try {
      const session = await svc.createSession(key);
      await svc.appendEvent({ session, event: event() });
      await fixture.server.kill('SIGKILL');
      const lost = event({ actions: { stateDelta: { lost: true } } });
      const error = await svc.appendEvent({ session, event: lost }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).cause).toBeDefined();
      expect(session.events).toHaveLength(1);
      expect(session.state).toEqual({});
      // No persistence in this file: the restarted server is empty, so this is about the client.
      await fixture.server.restart();
      const again = await svc.createSession(key);
      await svc.appendEvent({ session: again, event: event() });
      expect((await svc.getSession(key))?.events).toHaveLength(1);
    } finally {
      await svc.close();
    }
  });

  it('close() quits a client the service created, and leaves a passed-in client open', async () => {
    const owned = new RedisSessionService({ redis: fixture.server.url });
    await owned.listSessions({ appName: 'a', userId: 'u' });
    await owned.close();
    expect(owned.client.status).toBe('end');
    const mine = client();
    const borrowed = new RedisSessionService({ redis: mine });
    await borrowed.listSessions({ appName: 'a', userId: 'u' });
    await borrowed.close();
    expect(await mine.ping()).toBe('PONG');
  });

  it('after SCRIPT FLUSH (or a restart) the scripts are loaded again transparently', async () => {
    const svc = new RedisSessionService({ redis: client(), keyPrefix: 'flush:' });
    const session = await svc.createSession(key);
    await fixture.admin.script('FLUSH');
    await svc.appendEvent({ session, event: event() });
    expect((await svc.getSession(key))?.events).toHaveLength(1);
  });

  it('a create re-sent after a lost reply (same token) succeeds; a different caller gets ALREADY_EXISTS', async () => {
    // ioredis re-sends commands that were in flight when the link dropped; the create script
    // recognises its own earlier run by a per-call token instead of reporting a conflict.
    const svc = new RedisSessionService({ redis: client(), keyPrefix: 'resend:' });
    const create = new LuaScript('createSession', CREATE_SESSION);
    const s = svc.keys.session(key);
    const u = svc.keys.user(key);
    const run = (token: string) =>
      create.run({
        redis: fixture.admin,
        keys: [s.meta, s.state, u.userState, u.sessionIndex],
        args: [key.sessionId, String(Date.now()), 0, token, `0:${key.sessionId}`, 's', 'k', '1'],
      });
    expect(((await run('token-1')) as unknown[])[0]).toBe(1);
    expect(((await run('token-1')) as unknown[])[0]).toBe(1);
    expect(await run('token-2')).toEqual([0]);
    expect((await svc.getSession(key))?.state).toEqual({ k: 1 });
    await expect(svc.createSession(key)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('rejects a missing or wrong redis option', () => {
    expect(() => new RedisSessionService({ redis: undefined as unknown as string })).toThrow(/redis/);
  });
});
