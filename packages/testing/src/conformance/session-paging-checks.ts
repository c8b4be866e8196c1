import type { PageRequest, Session, SessionService } from '@earshot/core';
import { expect } from 'vitest';
import type { ConformanceCheck } from './check.js';
import { expectEarshotError } from './expect-error.js';
import { testEvent } from './fixtures.js';

type Check = ConformanceCheck<SessionService>;
const app = 'conf-app';
const user = 'conf-user';
const who = { appName: app, userId: user };

/** Reads every page of size `pageSize`; fails on a runaway token chain. */
async function allPages(service: SessionService, pageSize: number): Promise<Session[][]> {
  const pages: Session[][] = [];
  let page: PageRequest = { pageSize };
  for (let i = 0; i < 1000; i++) {
    const { sessions, nextPageToken } = await service.listSessions(who, page);
    pages.push(sessions);
    if (nextPageToken === undefined) return pages;
    expect(typeof nextPageToken).toBe('string');
    page = { pageSize, pageToken: nextPageToken };
  }
  throw new Error('listSessions never stopped returning a nextPageToken');
}

/**
 * Sessions with chosen `lastUpdateTime`s (an appended event's timestamp), including ties, so
 * the tie order (session id in code point order) is exercised; `\uff5e` sorts before the
 * astral `🎧` by code point although UTF-16 code units say the opposite.
 */
async function seeded(factory: () => Promise<SessionService>): Promise<SessionService> {
  const service = await factory();
  const base = Date.now() + 60_000;
  const plan: [string, number][] = [
    ['s-old', 1],
    ['b', 5],
    ['a', 5],
    ['🎧', 5],
    ['\uff5e', 5],
    ['s-new', 9],
    ['mid', 3],
  ];
  for (const [id, offset] of plan) {
    const session = await service.createSession({ ...who, sessionId: id, state: { mine: id } });
    await service.appendEvent({ session, event: testEvent({ timestamp: base + offset }) });
  }
  await service.createSession({ appName: app, userId: 'someone-else', sessionId: 'x' });
  return service;
}

const EXPECTED_ORDER = ['s-new', 'a', 'b', '\uff5e', '🎧', 'mid', 's-old'];

export const sessionPagingChecks: Check[] = [
  {
    name: 'listSessions orders ties by session id in code point order',
    async run(factory) {
      const service = await seeded(factory);
      const { sessions, nextPageToken } = await service.listSessions(who);
      expect(sessions.map((s) => s.id)).toEqual(EXPECTED_ORDER);
      expect(nextPageToken).toBeUndefined();
      expect((await service.listSessions(who, {})).sessions).toEqual(sessions);
    },
  },
  {
    name: 'listSessions pages: pages of pageSize, in the listing order, no session twice, last page has no token',
    async run(factory) {
      const service = await seeded(factory);
      const everything = (await service.listSessions(who)).sessions;
      for (const size of [1, 2, 3, 7, 100]) {
        const pages = await allPages(service, size);
        for (const page of pages.slice(0, -1)) expect(page).toHaveLength(size);
        expect(pages.flat()).toEqual(everything);
        expect(pages.length).toBe(Math.max(1, Math.ceil(EXPECTED_ORDER.length / size)));
      }
      for (const s of everything) {
        expect(s.events).toEqual([]);
        expect(s.state).toEqual({ mine: s.id });
      }
      const empty = await service.listSessions({ appName: app, userId: 'nobody' }, { pageSize: 5 });
      expect(empty).toEqual({ sessions: [] });
    },
  },
  {
    name: 'listSessions continues after the cursor even when the session at the cursor was deleted',
    async run(factory) {
      const service = await seeded(factory);
      const first = await service.listSessions(who, { pageSize: 3 });
      expect(first.sessions.map((s) => s.id)).toEqual(EXPECTED_ORDER.slice(0, 3));
      await service.deleteSession({ ...who, sessionId: 'b' });
      const rest: string[] = [];
      let token = first.nextPageToken;
      while (token !== undefined) {
        const page = await service.listSessions(who, { pageToken: token });
        rest.push(...page.sessions.map((s) => s.id));
        token = page.nextPageToken;
      }
      expect(rest).toEqual(EXPECTED_ORDER.slice(3));
    },
  },
  {
    name: 'listSessions rejects a bad pageSize or pageToken with INVALID_ARGUMENT',
    async run(factory) {
      const service = await seeded(factory);
      for (const pageSize of [0, -1, 1.5, 1001, Number.NaN]) {
        await expectEarshotError(service.listSessions(who, { pageSize }), 'INVALID_ARGUMENT', 'pageSize');
      }
      for (const pageToken of [
        '',
        'not-a-token',
        'x'.repeat(5000),
        Buffer.from('["other",1]').toString('base64url'),
      ]) {
        await expectEarshotError(service.listSessions(who, { pageToken }), 'INVALID_ARGUMENT', 'pageToken');
      }
    },
  },
];
