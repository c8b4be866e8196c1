import type { SessionService } from '@earshot/core';
import { expect } from 'vitest';
import type { ConformanceCheck } from './check.js';
import { testEvent } from './fixtures.js';

type Check = ConformanceCheck<SessionService>;
const app = 'conf-app';

export const sessionStateChecks: Check[] = [
  {
    name: 'app: state is shared by every user of the app, user: state by one user’s sessions',
    async run(factory) {
      const service = await factory();
      const a1 = await service.createSession({ appName: app, userId: 'alice', sessionId: 'a1' });
      await service.createSession({ appName: app, userId: 'alice', sessionId: 'a2' });
      await service.createSession({ appName: app, userId: 'bob', sessionId: 'b1' });
      await service.createSession({ appName: 'other-app', userId: 'alice', sessionId: 'a1' });
      await service.appendEvent({
        session: a1,
        event: testEvent({
          actions: { stateDelta: { 'app:theme': 'dark', 'user:lang': 'fr', mood: 'calm' } },
        }),
      });
      const read = (userId: string, sessionId: string, appName = app) =>
        service.getSession({ appName, userId, sessionId }).then((s) => s?.state);
      expect(await read('alice', 'a1')).toEqual({ 'app:theme': 'dark', 'user:lang': 'fr', mood: 'calm' });
      expect(await read('alice', 'a2')).toEqual({ 'app:theme': 'dark', 'user:lang': 'fr' });
      expect(await read('bob', 'b1')).toEqual({ 'app:theme': 'dark' });
      expect(await read('alice', 'a1', 'other-app')).toEqual({});
      const listed = await service.listSessions({ appName: app, userId: 'alice' });
      for (const s of listed.sessions) expect(s.state['user:lang']).toBe('fr');
    },
  },
  {
    name: 'createSession splits its initial state by prefix and drops temp: keys',
    async run(factory) {
      const service = await factory();
      await service.createSession({
        appName: app,
        userId: 'alice',
        sessionId: 's1',
        state: { 'app:a': 1, 'user:u': 2, 'temp:t': 3, s: 4 },
      });
      const other = await service.createSession({ appName: app, userId: 'alice', sessionId: 's2' });
      expect(other.state).toEqual({ 'app:a': 1, 'user:u': 2 });
      const s1 = await service.getSession({ appName: app, userId: 'alice', sessionId: 's1' });
      expect(s1?.state).toEqual({ 'app:a': 1, 'user:u': 2, s: 4 });
    },
  },
  {
    name: 'temp: state reaches the live session object but is never stored',
    async run(factory) {
      const service = await factory();
      const session = await service.createSession({ appName: app, userId: 'u', sessionId: 's1' });
      const event = testEvent({ actions: { stateDelta: { 'temp:scratch': 'x', kept: 'y' } } });
      await service.appendEvent({ session, event });
      expect(session.state).toEqual({ 'temp:scratch': 'x', kept: 'y' });
      const stored = await service.getSession({ appName: app, userId: 'u', sessionId: 's1' });
      expect(stored?.state).toEqual({ kept: 'y' });
      expect(stored?.events[0]?.actions.stateDelta).toEqual({ kept: 'y' });
    },
  },
  {
    name: 'a null state value deletes the key in every scope',
    async run(factory) {
      const service = await factory();
      const session = await service.createSession({
        appName: app,
        userId: 'u',
        sessionId: 's1',
        state: { 'app:a': 1, 'user:b': 2, c: 3, d: 4 },
      });
      await service.appendEvent({
        session,
        event: testEvent({ actions: { stateDelta: { 'app:a': null, 'user:b': null, c: null } } }),
      });
      expect(session.state).toEqual({ d: 4 });
      expect((await service.getSession({ appName: app, userId: 'u', sessionId: 's1' }))?.state).toEqual({
        d: 4,
      });
    },
  },
  {
    name: 'a stale session object still appends: concurrent writers never lose events or state',
    async run(factory) {
      const service = await factory();
      await service.createSession({ appName: app, userId: 'u', sessionId: 's1' });
      const key = { appName: app, userId: 'u', sessionId: 's1' };
      const writerA = (await service.getSession(key))!;
      const writerB = (await service.getSession(key))!;
      await service.appendEvent({
        session: writerA,
        event: testEvent({ actions: { stateDelta: { a: 1 } } }),
      });
      await service.appendEvent({
        session: writerB,
        event: testEvent({ actions: { stateDelta: { b: 1 } } }),
      });
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          service.appendEvent({
            session: i % 2 ? writerA : writerB,
            event: testEvent({ actions: { stateDelta: { [`k${i}`]: i } } }),
          }),
        ),
      );
      const stored = (await service.getSession(key))!;
      expect(stored.events).toHaveLength(42);
      expect(new Set(stored.events.map((e) => e.id)).size).toBe(42);
      expect(Object.keys(stored.state)).toHaveLength(42);
      expect(stored.state.k39).toBe(39);
    },
  },
];
