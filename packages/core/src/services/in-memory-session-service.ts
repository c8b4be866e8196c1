import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, NotFoundError } from '../errors.js';
import type { Event } from '../events.js';
import type { Session } from '../session.js';
import { applyStateDelta, splitStateDelta, withoutTempKeys } from '../state.js';
import { validateId } from '../validation.js';
import { copyValue } from './copy-value.js';
import { getOrCreate } from './get-or-create.js';
import { type PageRequest, validatePageRequest } from './paging.js';
import {
  validateAppendRequest,
  validateGetSessionConfig,
  validateSessionKey,
  validateState,
  validateUserKey,
} from './request-validation.js';
import { compareListedSessions, decodeSessionPageToken, encodeSessionPageToken } from './session-listing.js';
import type {
  AppendEventRequest,
  CreateSessionRequest,
  GetSessionConfig,
  GetSessionRequest,
  ListSessionsRequest,
  ListSessionsResponse,
  SessionKey,
  SessionService,
} from './session-service.js';
import { StoredEvents } from './stored-events.js';

interface StoredSession {
  id: string;
  appName: string;
  userId: string;
  state: Record<string, unknown>;
  events: StoredEvents;
  eventIds: Set<string>;
  lastUpdateTime: number;
}

/**
 * Sessions in process memory: the embedded default and the reference semantics every other
 * backend matches. Nested maps (app → user → session) so no ids can alias each other.
 */
export class InMemorySessionService implements SessionService {
  private readonly sessions = new Map<string, Map<string, Map<string, StoredSession>>>();
  private readonly appState = new Map<string, Record<string, unknown>>();
  private readonly userState = new Map<string, Map<string, Record<string, unknown>>>();

  async createSession(request: CreateSessionRequest): Promise<Session> {
    const { appName, userId } = validateUserKey(request);
    const sessionId =
      request.sessionId === undefined ? randomUUID() : validateId('sessionId', request.sessionId);
    const initial = splitStateDelta(validateState('state', request.state));
    const userSessions = this.userSessions(appName, userId, true);
    if (userSessions.has(sessionId)) {
      throw new AlreadyExistsError(`session ${JSON.stringify(sessionId)} already exists`);
    }
    const stored: StoredSession = {
      id: sessionId,
      appName,
      userId,
      state: structuredClone(initial.session),
      events: new StoredEvents(),
      eventIds: new Set(),
      lastUpdateTime: Date.now(),
    };
    applyStateDelta(this.appStateOf(appName), structuredClone(initial.app));
    applyStateDelta(this.userStateOf(appName, userId), structuredClone(initial.user));
    userSessions.set(sessionId, stored);
    return this.view(stored, { numRecentEvents: undefined });
  }

  async getSession(request: GetSessionRequest): Promise<Session | undefined> {
    const key = validateSessionKey(request);
    const config = validateGetSessionConfig(request.config);
    const stored = this.find(key);
    return stored ? this.view(stored, config) : undefined;
  }

  /** Sorts the user's sessions on each call: O(n log n) per page, fine for an embedded store. */
  async listSessions(request: ListSessionsRequest, page?: PageRequest): Promise<ListSessionsResponse> {
    const { appName, userId } = validateUserKey(request);
    const valid = validatePageRequest(page);
    const cursor = valid?.pageToken === undefined ? undefined : decodeSessionPageToken(valid.pageToken);
    const stored = [...(this.userSessions(appName, userId, false)?.values() ?? [])];
    stored.sort(compareListedSessions);
    const view = (s: StoredSession) => this.view(s, { numRecentEvents: 0 });
    if (!valid) return { sessions: stored.map(view) };
    let from = 0;
    if (cursor) {
      // First session strictly after the cursor (binary search: the list is sorted).
      let high = stored.length;
      while (from < high) {
        const mid = (from + high) >>> 1;
        if (compareListedSessions(stored[mid] as StoredSession, cursor) <= 0) from = mid + 1;
        else high = mid;
      }
    }
    const picked = stored.slice(from, from + valid.pageSize);
    const last = picked[picked.length - 1];
    const more = from + picked.length < stored.length;
    return {
      sessions: picked.map(view),
      ...(more && last ? { nextPageToken: encodeSessionPageToken(last) } : {}),
    };
  }

  async deleteSession(request: SessionKey): Promise<void> {
    const { appName, userId, sessionId } = validateSessionKey(request);
    this.userSessions(appName, userId, false)?.delete(sessionId);
  }

  async appendEvent({ session, event }: AppendEventRequest): Promise<Event> {
    const key = validateAppendRequest({ session, event });
    if (!key) return event;
    const stored = this.find(key);
    if (!stored) throw new NotFoundError(`session ${JSON.stringify(key.sessionId)} does not exist`);
    const delta = event.actions.stateDelta ?? {};
    if (!stored.eventIds.has(event.id)) {
      const persisted = { ...event, actions: { ...event.actions, stateDelta: withoutTempKeys(delta) } };
      // The stored state gets its own copy of the values; the stored event is copied by `push`.
      const scoped = splitStateDelta(copyValue(persisted.actions.stateDelta));
      applyStateDelta(stored.state, scoped.session);
      applyStateDelta(this.appStateOf(key.appName), scoped.app);
      applyStateDelta(this.userStateOf(key.appName, key.userId), scoped.user);
      stored.events.push(persisted);
      stored.eventIds.add(event.id);
      stored.lastUpdateTime = event.timestamp;
    }
    applyStateDelta(session.state, delta);
    session.events.push(event);
    session.lastUpdateTime = stored.lastUpdateTime;
    return event;
  }

  private view(stored: StoredSession, config: GetSessionConfig): Session {
    const events = stored.events.read(config.afterTimestamp, config.numRecentEvents);
    const state = {
      ...this.appState.get(stored.appName),
      ...this.userState.get(stored.appName)?.get(stored.userId),
      ...stored.state,
    };
    // The events are fresh copies already. Named fields rather than a spread copy: V8 gives
    // each spread-plus-fields object a hidden class of its own, and a run keeps its session.
    return {
      id: stored.id,
      appName: stored.appName,
      userId: stored.userId,
      state: copyValue(state),
      events,
      lastUpdateTime: stored.lastUpdateTime,
    };
  }

  private find({ appName, userId, sessionId }: SessionKey): StoredSession | undefined {
    return this.userSessions(appName, userId, false)?.get(sessionId);
  }

  private userSessions(appName: string, userId: string, create: true): Map<string, StoredSession>;
  private userSessions(
    appName: string,
    userId: string,
    create: false,
  ): Map<string, StoredSession> | undefined;
  private userSessions(appName: string, userId: string, create: boolean) {
    if (!create) return this.sessions.get(appName)?.get(userId);
    return getOrCreate(
      getOrCreate(this.sessions, appName, () => new Map()),
      userId,
      () => new Map(),
    );
  }

  private appStateOf(appName: string): Record<string, unknown> {
    return getOrCreate(this.appState, appName, () => ({}));
  }

  private userStateOf(appName: string, userId: string): Record<string, unknown> {
    return getOrCreate(
      getOrCreate(this.userState, appName, () => new Map()),
      userId,
      () => ({}),
    );
  }
}
