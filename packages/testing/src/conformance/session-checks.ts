import type { Session, SessionService } from '@earshot/core';
import { expect } from 'vitest';
import type { ConformanceCheck } from './check.js';
import { expectEarshotError } from './expect-error.js';
import { INVALID_IDS, TRICKY_IDS, testEvent } from './fixtures.js';

type Check = ConformanceCheck<SessionService>;
const app = 'conf-app';
const user = 'conf-user';

async function fresh(
  factory: () => Promise<SessionService>,
  sessionId = 's1',
  state?: Record<string, unknown>,
) {
  const service = await factory();
  const session = await service.createSession({ appName: app, userId: user, sessionId, state });
  return { service, session };
}

const get = (service: SessionService, sessionId = 's1', userId = user, appName = app) =>
  service.getSession({ appName, userId, sessionId });

export const sessionLifecycleChecks: Check[] = [
  {
    name: 'createSession returns the session and getSession reads it back',
    async run(factory) {
      const { service, session } = await fresh(factory, 's1', { k: 1 });
      expect(session).toMatchObject({ id: 's1', appName: app, userId: user, state: { k: 1 }, events: [] });
      expect(typeof session.lastUpdateTime).toBe('number');
      expect(await get(service)).toEqual(session);
    },
  },
  {
    name: 'createSession generates distinct ids when none is given',
    async run(factory) {
      const service = await factory();
      const a = await service.createSession({ appName: app, userId: user });
      const b = await service.createSession({ appName: app, userId: user });
      expect(a.id).toMatch(/\S/);
      expect(a.id).not.toBe(b.id);
      expect((await get(service, a.id))?.id).toBe(a.id);
    },
  },
  {
    name: 'createSession with a taken id is ALREADY_EXISTS and changes nothing',
    async run(factory) {
      const { service } = await fresh(factory, 's1', { k: 1 });
      await expectEarshotError(
        service.createSession({ appName: app, userId: user, sessionId: 's1', state: { k: 2 } }),
        'ALREADY_EXISTS',
      );
      expect((await get(service))?.state).toEqual({ k: 1 });
    },
  },
  {
    name: 'getSession of a missing session is undefined',
    async run(factory) {
      const { service } = await fresh(factory);
      expect(await get(service, 'missing')).toBeUndefined();
      expect(await get(service, 's1', 'other-user')).toBeUndefined();
      expect(await get(service, 's1', user, 'other-app')).toBeUndefined();
    },
  },
  {
    name: 'listSessions lists one user’s sessions, most recently updated first, without events',
    async run(factory) {
      const service = await factory();
      for (const id of ['s1', 's2', 's3'])
        await service.createSession({ appName: app, userId: user, sessionId: id });
      await service.createSession({ appName: app, userId: 'other', sessionId: 'x' });
      await service.createSession({ appName: 'other-app', userId: user, sessionId: 'y' });
      const s2 = (await get(service, 's2'))!;
      await service.appendEvent({ session: s2, event: testEvent({ timestamp: Date.now() + 60_000 }) });
      const { sessions } = await service.listSessions({ appName: app, userId: user });
      expect(sessions.map((s) => s.id).sort()).toEqual(['s1', 's2', 's3']);
      expect(sessions[0]?.id).toBe('s2');
      for (const s of sessions) expect(s.events).toEqual([]);
      expect((await service.listSessions({ appName: app, userId: 'nobody' })).sessions).toEqual([]);
    },
  },
  {
    name: 'deleteSession removes the session and its events; deleting a missing one is a no-op',
    async run(factory) {
      const { service, session } = await fresh(factory);
      await service.createSession({ appName: app, userId: user, sessionId: 's2' });
      await service.appendEvent({ session, event: testEvent() });
      await service.deleteSession({ appName: app, userId: user, sessionId: 's1' });
      await service.deleteSession({ appName: app, userId: user, sessionId: 's1' });
      await service.deleteSession({ appName: app, userId: user, sessionId: 'never-existed' });
      expect(await get(service)).toBeUndefined();
      expect((await service.listSessions({ appName: app, userId: user })).sessions.map((s) => s.id)).toEqual([
        's2',
      ]);
      const again = await service.createSession({ appName: app, userId: user, sessionId: 's1' });
      expect(again.events).toEqual([]);
      expect((await get(service))?.events).toEqual([]);
    },
  },
  {
    name: 'appendEvent to a missing session is NOT_FOUND',
    async run(factory) {
      const { service, session } = await fresh(factory);
      await service.deleteSession({ appName: app, userId: user, sessionId: 's1' });
      await expectEarshotError(service.appendEvent({ session, event: testEvent() }), 'NOT_FOUND');
      expect(await get(service)).toBeUndefined();
    },
  },
];

export const sessionIsolationChecks: Check[] = [
  {
    name: 'returned sessions are copies: mutating them changes nothing stored',
    async run(factory) {
      const { service, session } = await fresh(factory, 's1', { nested: { a: 1 } });
      await service.appendEvent({ session, event: testEvent({ actions: { stateDelta: { n: 1 } } }) });
      const read = (await get(service)) as Session;
      read.state.n = 999;
      (read.state.nested as { a: number }).a = 999;
      read.events.pop();
      const listed = (await service.listSessions({ appName: app, userId: user })).sessions[0] as Session;
      listed.state.n = 777;
      session.state.n = 555;
      const again = await get(service);
      expect(again?.state).toEqual({ nested: { a: 1 }, n: 1 });
      expect(again?.events).toHaveLength(1);
    },
  },
  {
    name: 'inputs are copied: mutating a passed state or event after the call changes nothing stored',
    async run(factory) {
      const initial = { nested: { a: 1 } };
      const { service, session } = await fresh(factory, 's1', initial);
      initial.nested.a = 2;
      const event = testEvent({ content: { role: 'model', parts: [{ text: 'original' }] } });
      await service.appendEvent({ session, event });
      (event.content!.parts![0] as { text: string }).text = 'mutated';
      const read = await get(service);
      expect(read?.state).toEqual({ nested: { a: 1 } });
      expect(read?.events[0]?.content?.parts?.[0]?.text).toBe('original');
    },
  },
  {
    name: 'ids with any printable character are accepted and never alias each other',
    async run(factory) {
      const service = await factory();
      for (const id of TRICKY_IDS) {
        await service.createSession({ appName: id, userId: id, sessionId: id, state: { owner: id } });
      }
      // pairs that naive "join with a separator" schemes would merge
      await service.createSession({
        appName: 'x',
        userId: 'a:b',
        sessionId: 'c',
        state: { owner: 'x|a:b|c' },
      });
      await service.createSession({
        appName: 'x',
        userId: 'a',
        sessionId: 'b:c',
        state: { owner: 'x|a|b:c' },
      });
      await service.createSession({
        appName: 'x:a',
        userId: 'b',
        sessionId: 'c',
        state: { owner: 'x:a|b|c' },
      });
      for (const id of TRICKY_IDS) expect((await get(service, id, id, id))?.state).toEqual({ owner: id });
      expect((await get(service, 'c', 'a:b', 'x'))?.state).toEqual({ owner: 'x|a:b|c' });
      expect((await get(service, 'b:c', 'a', 'x'))?.state).toEqual({ owner: 'x|a|b:c' });
      expect((await get(service, 'c', 'b', 'x:a'))?.state).toEqual({ owner: 'x:a|b|c' });
      expect((await service.listSessions({ appName: 'x', userId: 'a' })).sessions.map((s) => s.id)).toEqual([
        'b:c',
      ]);
      expect(await get(service, '*', '*', '*')).toBeUndefined();
    },
  },
  {
    name: 'invalid ids are INVALID_ARGUMENT naming the field, and nothing is written',
    async run(factory) {
      const service = await factory();
      for (const bad of INVALID_IDS) {
        await expectEarshotError(
          service.createSession({ appName: bad, userId: user, sessionId: 's' }),
          'INVALID_ARGUMENT',
          'appName',
        );
        await expectEarshotError(
          service.createSession({ appName: app, userId: bad, sessionId: 's' }),
          'INVALID_ARGUMENT',
          'userId',
        );
        await expectEarshotError(
          service.createSession({ appName: app, userId: user, sessionId: bad }),
          'INVALID_ARGUMENT',
          'sessionId',
        );
        await expectEarshotError(get(service, bad), 'INVALID_ARGUMENT', 'sessionId');
        await expectEarshotError(
          service.listSessions({ appName: app, userId: bad }),
          'INVALID_ARGUMENT',
          'userId',
        );
        await expectEarshotError(
          service.deleteSession({ appName: app, userId: user, sessionId: bad }),
          'INVALID_ARGUMENT',
          'sessionId',
        );
      }
      expect((await service.listSessions({ appName: app, userId: user })).sessions).toEqual([]);
      await expectEarshotError(
        service.getSession({ appName: app, userId: user, sessionId: 's', config: { numRecentEvents: -1 } }),
        'INVALID_ARGUMENT',
        'numRecentEvents',
      );
    },
  },
];
