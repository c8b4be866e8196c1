import type { Event, SessionService } from '@earshot/core';
import { expect } from 'vitest';
import type { ConformanceCheck } from './check.js';
import { testEvent } from './fixtures.js';

type Check = ConformanceCheck<SessionService>;
const key = { appName: 'conf-app', userId: 'conf-user', sessionId: 's1' };

async function withEvents(factory: () => Promise<SessionService>, timestamps: number[]) {
  const service = await factory();
  const session = await service.createSession(key);
  const events: Event[] = [];
  for (const timestamp of timestamps) {
    const event = testEvent({ timestamp });
    events.push(event);
    await service.appendEvent({ session, event });
  }
  return { service, session, events };
}

const ids = (events: Event[] | undefined) => events?.map((e) => e.id);

export const sessionEventChecks: Check[] = [
  {
    name: 'appendEvent stores the event whole, keeps order and updates the passed session',
    async run(factory) {
      const service = await factory();
      const session = await service.createSession(key);
      const rich = testEvent({
        author: 'user',
        turnComplete: true,
        inputTranscription: { text: 'héllo', finished: true },
        usageMetadata: { totalTokenCount: 7 },
        customMetadata: { nested: { list: [1, 'two', null] } },
        actions: { stateDelta: { x: 1 }, artifactDelta: { 'f.wav': 3 }, transferToAgent: 'b' },
      });
      const second = testEvent();
      expect(await service.appendEvent({ session, event: rich })).toEqual(rich);
      await service.appendEvent({ session, event: second });
      expect(ids(session.events)).toEqual([rich.id, second.id]);
      expect(session.lastUpdateTime).toBe(second.timestamp);
      const stored = await service.getSession(key);
      expect(stored?.events).toEqual([rich, second]);
      expect(stored?.lastUpdateTime).toBe(second.timestamp);
    },
  },
  {
    name: 'partial events are returned but never stored nor applied',
    async run(factory) {
      const service = await factory();
      const session = await service.createSession(key);
      const partial = testEvent({ partial: true, actions: { stateDelta: { p: 1 } } });
      expect(await service.appendEvent({ session, event: partial })).toEqual(partial);
      expect(session.events).toEqual([]);
      expect(session.state).toEqual({});
      const stored = await service.getSession(key);
      expect(stored?.events).toEqual([]);
      expect(stored?.state).toEqual({});
    },
  },
  {
    name: 'appending an already stored event id stores it once (safe retries)',
    async run(factory) {
      const service = await factory();
      const session = await service.createSession(key);
      const event = testEvent({ actions: { stateDelta: { n: 1 } } });
      await service.appendEvent({ session, event });
      await service.appendEvent({ session: (await service.getSession(key))!, event });
      expect(ids((await service.getSession(key))?.events)).toEqual([event.id]);
    },
  },
  {
    name: 'numRecentEvents keeps the last N; 0 keeps none; more than stored keeps all',
    async run(factory) {
      const { service, events } = await withEvents(factory, [100, 200, 300, 400, 500]);
      const read = (numRecentEvents: number) =>
        service.getSession({ ...key, config: { numRecentEvents } }).then((s) => ids(s?.events));
      expect(await read(2)).toEqual(ids(events.slice(3)));
      expect(await read(0)).toEqual([]);
      expect(await read(50)).toEqual(ids(events));
    },
  },
  {
    name: 'afterTimestamp is an inclusive filter, applied before numRecentEvents',
    async run(factory) {
      const { service, events } = await withEvents(factory, [100, 300, 200, 400, 500]);
      const read = (config: { numRecentEvents?: number; afterTimestamp?: number }) =>
        service.getSession({ ...key, config }).then((s) => ids(s?.events));
      const [e100, e300, e200, e400, e500] = events.map((e) => e.id);
      expect(await read({ afterTimestamp: 300 })).toEqual([e300, e400, e500]);
      expect(await read({ afterTimestamp: 250 })).toEqual([e300, e400, e500]);
      expect(await read({ afterTimestamp: 100 })).toEqual([e100, e300, e200, e400, e500]);
      expect(await read({ afterTimestamp: 600 })).toEqual([]);
      expect(await read({ afterTimestamp: 200, numRecentEvents: 2 })).toEqual([e400, e500]);
      expect(await read({ afterTimestamp: 450, numRecentEvents: 3 })).toEqual([e500]);
      expect(e200).toBeDefined();
    },
  },
];
