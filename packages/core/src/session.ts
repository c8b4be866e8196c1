import type { Event } from './events.js';

/** One conversation: its merged state (app + user + session scopes) and its persisted events. */
export interface Session {
  id: string;
  appName: string;
  userId: string;
  state: Record<string, unknown>;
  events: Event[];
  /** Milliseconds since the Unix epoch of the last stored change. */
  lastUpdateTime: number;
}
