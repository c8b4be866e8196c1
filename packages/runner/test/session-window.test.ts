import { createEvent, type Session } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { SESSION_EVENTS_WINDOW, trimSessionEvents } from '../src/run/session-window.js';

describe('the run session object keeps a bounded window of events', () => {
  it('stays between one and two windows long over any number of appends, newest kept in order', () => {
    const session: Session = { id: 's', appName: 'a', userId: 'u', state: {}, events: [], lastUpdateTime: 0 };
    let longest = 0;
    for (let i = 0; i < 10_000; i++) {
      session.events.push(createEvent({ author: 'agent', id: `e${i}` }));
      trimSessionEvents(session);
      longest = Math.max(longest, session.events.length);
    }
    expect(longest).toBeLessThan(2 * SESSION_EVENTS_WINDOW);
    expect(session.events.length).toBeGreaterThanOrEqual(SESSION_EVENTS_WINDOW);
    expect(session.events.at(-1)?.id).toBe('e9999');
    const ids = session.events.map((e) => Number(e.id.slice(1)));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });
});
