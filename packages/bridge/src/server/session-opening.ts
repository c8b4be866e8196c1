import { AlreadyExistsError, type Event } from '@earshot/core';
import type { Runner } from '@earshot/runner';
import type { HistoryFrame, WireEvent } from '../protocol.js';
import type { BridgeLimits } from './limits.js';
import { toWireEvent } from './wire-event.js';

export interface OpenedSession {
  created: boolean;
  history: HistoryFrame;
}

/**
 * Loads the user's session, or creates it, under the authenticated user only: the key is
 * (app, userId, sessionId), so another user's session id names a different, empty session.
 * Reads only the last `historyEvents + 1` events (one more tells whether older ones exist).
 */
export async function openSession(
  runner: Runner,
  userId: string,
  sessionId: string,
  limits: BridgeLimits,
): Promise<OpenedSession> {
  const key = { appName: runner.appName, userId, sessionId };
  const config = { numRecentEvents: limits.historyEvents === 0 ? 0 : limits.historyEvents + 1 };
  const existing = await runner.sessionService.getSession({ ...key, config });
  if (existing) return { created: false, history: historyFrame(existing.events, limits) };
  try {
    await runner.sessionService.createSession(key);
    return { created: true, history: { type: 'history', events: [], truncated: false } };
  } catch (error) {
    // Another socket of this user created it in between: resume it like any existing one.
    if (!(error instanceof AlreadyExistsError)) throw error;
    const created = await runner.sessionService.getSession({ ...key, config });
    if (!created) throw error;
    return { created: false, history: historyFrame(created.events, limits) };
  }
}

/** The most recent events that fit both the count and the byte limit, oldest first. */
function historyFrame(events: Event[], limits: BridgeLimits): HistoryFrame {
  let truncated = events.length > limits.historyEvents;
  const recent = truncated ? events.slice(events.length - limits.historyEvents) : events;
  const kept: WireEvent[] = [];
  let bytes = 0;
  for (let i = recent.length - 1; i >= 0; i--) {
    const wire = toWireEvent(recent[i]!);
    bytes += Buffer.byteLength(JSON.stringify(wire), 'utf8') + 1;
    if (bytes > limits.maxHistoryBytes) {
      truncated = true;
      break;
    }
    kept.push(wire);
  }
  kept.reverse();
  return { type: 'history', events: kept, truncated };
}
