import type { Session } from '@earshot/core';

/**
 * Events the run's own session object keeps, newest last. `appendEvent` pushes every persisted
 * event onto it (the store keeps them all); nothing in a run reads them back, so an hour of
 * conversation must not pile up there, and a few suffice (each is ~0.4 KiB of live heap).
 */
export const SESSION_EVENTS_WINDOW = 4;

/** Drops the oldest events past the window; amortized O(1) (only when it doubled). */
export function trimSessionEvents(session: Session): void {
  const { events } = session;
  if (events.length >= 2 * SESSION_EVENTS_WINDOW) events.splice(0, events.length - SESSION_EVENTS_WINDOW);
}
