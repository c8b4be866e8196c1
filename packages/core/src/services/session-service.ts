import type { Event } from '../events.js';
import type { Session } from '../session.js';
import type { PageRequest } from './paging.js';

export interface CreateSessionRequest {
  appName: string;
  userId: string;
  /** Generated (a random UUID) when omitted. */
  sessionId?: string;
  /** Initial state; `app:` / `user:` keys go to the shared scopes, `temp:` keys are dropped. */
  state?: Record<string, unknown>;
}

export interface GetSessionConfig {
  /** Keep only the last N events (after any time filter). `0` returns no events. */
  numRecentEvents?: number;
  /** Keep only events with `timestamp >= afterTimestamp` (inclusive). */
  afterTimestamp?: number;
}

export interface SessionKey {
  appName: string;
  userId: string;
  sessionId: string;
}

export interface GetSessionRequest extends SessionKey {
  config?: GetSessionConfig;
}

export interface ListSessionsRequest {
  appName: string;
  userId: string;
}

export interface ListSessionsResponse {
  /**
   * Most recently updated first (`lastUpdateTime` descending, ties by session id in code point
   * order); `events` is always empty.
   */
  sessions: Session[];
  /** Set when paging and more sessions may follow: pass it as `pageToken` for the next page. */
  nextPageToken?: string;
}

export interface AppendEventRequest {
  session: Session;
  event: Event;
}

/**
 * Where sessions live. Every backend has exactly the semantics of `InMemorySessionService`,
 * proven by `sessionServiceConformance` from `@earshot/testing/conformance`:
 *
 * - Returned sessions are copies: mutating one changes nothing stored.
 * - `state` on a returned session is the merge of app, user and session scopes.
 * - `appendEvent` ignores `partial` events; it applies `actions.stateDelta` to the stored
 *   scopes (never `temp:`) and to the passed session object (including `temp:`), pushes the
 *   event onto `session.events`, and stores the event with its `temp:` keys removed.
 * - Appends are atomic and commutative: concurrent writers never lose an event or a state
 *   key, and a session object that is older than storage is not an error (a live run appends
 *   from one process while others may read). Appending an event id that is already stored
 *   is a no-op, which makes retries after a lost reply safe.
 * - Ids are validated (`InvalidArgumentError`); a missing session on append is `NotFoundError`.
 */
export interface SessionService {
  createSession(request: CreateSessionRequest): Promise<Session>;
  getSession(request: GetSessionRequest): Promise<Session | undefined>;
  /**
   * The user's sessions. Without `page` (or with `{}`), all of them; with `{pageSize,
   * pageToken}`, one page in the same order, continuing strictly after the previous page.
   */
  listSessions(request: ListSessionsRequest, page?: PageRequest): Promise<ListSessionsResponse>;
  /** Removes the session and its events. Deleting a missing session is a no-op. */
  deleteSession(request: SessionKey): Promise<void>;
  appendEvent(request: AppendEventRequest): Promise<Event>;
}
