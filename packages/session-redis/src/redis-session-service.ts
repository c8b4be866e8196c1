import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AlreadyExistsError,
  type AppendEventRequest,
  applyStateDelta,
  type CreateSessionRequest,
  EarshotError,
  type Event,
  type GetSessionConfig,
  type GetSessionRequest,
  InvalidArgumentError,
  type ListSessionsRequest,
  type ListSessionsResponse,
  NotFoundError,
  type Session,
  type SessionKey,
  type SessionService,
  StorageError,
  splitStateDelta,
  validateAppendRequest,
  validateGetSessionConfig,
  validateId,
  validateSessionKey,
  validateState,
  validateUserKey,
  withoutTempKeys,
} from '@earshot/core';
import { Redis } from 'ioredis';
import { asArray, asNumber, asString, decodeEvents, encodeJson, mergeState, stateTriples } from './codec.js';
import { KeySchema, validateKeyPrefix } from './keys.js';
import { LuaScript, type RedisClient } from './script-runner.js';
import { APPEND_EVENT, CREATE_SESSION, DELETE_SESSION, GET_SESSION, LIST_SESSIONS } from './scripts.js';

export interface RedisSessionServiceOptions {
  /**
   * An ioredis client or cluster (the caller owns it: `close()` leaves it open), or a
   * `redis://` / `rediss://` URL (the service creates a fail-fast client and `close()` quits it).
   */
  redis: RedisClient | string;
  /** Prepended to every key; must not contain `{` or `}`. Default `'earshot:'`. */
  keyPrefix?: string;
  /** Sliding expiry of every key of a session, refreshed on each write. Default: never. */
  ttlSeconds?: number;
}

const scripts = {
  create: new LuaScript('createSession', CREATE_SESSION),
  append: new LuaScript('appendEvent', APPEND_EVENT),
  get: new LuaScript('getSession', GET_SESSION),
  list: new LuaScript('listSessions', LIST_SESSIONS),
  delete: new LuaScript('deleteSession', DELETE_SESSION),
};

/** Sessions listed per script call: bounds the KEYS array of one call. */
const LIST_BATCH = 256;

/**
 * `SessionService` on Redis (standalone or Cluster) through ioredis. Every mutation is one
 * Lua script: atomic, one round trip, independent of the history length. See README.md for
 * the key schema, the stale-session rule, TTL and failure behaviour.
 */
export class RedisSessionService implements SessionService {
  readonly keys: KeySchema;
  private readonly redis: RedisClient;
  private readonly ownsClient: boolean;
  private readonly ttlSeconds: number;

  constructor(options: RedisSessionServiceOptions) {
    this.keys = new KeySchema(validateKeyPrefix(options?.keyPrefix));
    this.ttlSeconds = validateTtl(options?.ttlSeconds);
    if (typeof options?.redis === 'string') {
      this.redis = createOwnedClient(options.redis);
      this.ownsClient = true;
    } else if (options?.redis && typeof options.redis === 'object') {
      this.redis = options.redis;
      this.ownsClient = false;
    } else {
      throw new InvalidArgumentError('redis must be an ioredis client, cluster or URL', { field: 'redis' });
    }
  }

  /** The client in use (the one passed in, or the one created from the URL). */
  get client(): RedisClient {
    return this.redis;
  }

  async createSession(request: CreateSessionRequest): Promise<Session> {
    const { appName, userId } = validateUserKey(request);
    const sessionId =
      request.sessionId === undefined ? randomUUID() : validateId('sessionId', request.sessionId);
    const initial = splitStateDelta(validateState('state', request.state));
    const triples = stateTriples({ scoped: initial, field: 'state', keepSessionNulls: true });
    const key = { appName, userId, sessionId };
    const s = this.keys.session(key);
    const u = this.keys.user(key);
    const reply = asArray(
      await this.run('createSession', scripts.create, {
        keys: [s.meta, s.state, u.appState, u.userState, u.sessionIndex],
        args: [sessionId, String(Date.now()), this.ttlSeconds, randomUUID(), ...triples],
      }),
      'createSession',
    );
    if (reply[0] === 0) throw new AlreadyExistsError(`session ${JSON.stringify(sessionId)} already exists`);
    if (reply[0] === 3) throw foreignData(reply[1]);
    return {
      id: sessionId,
      appName,
      userId,
      state: mergeState(reply[2], reply[3], reply[4]),
      events: [],
      lastUpdateTime: asNumber(reply[1], 'lastUpdateTime'),
    };
  }

  async getSession(request: GetSessionRequest): Promise<Session | undefined> {
    const key = validateSessionKey(request);
    const config: GetSessionConfig = validateGetSessionConfig(request.config);
    const s = this.keys.session(key);
    const u = this.keys.user(key);
    const reply = asArray(
      await this.run('getSession', scripts.get, {
        keys: [s.meta, s.state, s.events, s.eventTimes, u.appState, u.userState],
        args: [
          config.numRecentEvents ?? '',
          config.afterTimestamp === undefined ? '' : config.afterTimestamp,
        ],
      }),
      'getSession',
    );
    if (reply[0] === 0) return undefined;
    return {
      id: key.sessionId,
      appName: key.appName,
      userId: key.userId,
      state: mergeState(reply[2], reply[3], reply[4]),
      events: decodeEvents(reply[5]),
      lastUpdateTime: asNumber(reply[1], 'lastUpdateTime'),
    };
  }

  async listSessions(request: ListSessionsRequest): Promise<ListSessionsResponse> {
    const { appName, userId } = validateUserKey(request);
    const u = this.keys.user({ appName, userId });
    const ids = await this.call('listSessions', () => this.redis.zrange(u.sessionIndex, '0', '-1'));
    const sessions: Session[] = [];
    for (let from = 0; from < ids.length; from += LIST_BATCH) {
      const batch = ids.slice(from, from + LIST_BATCH);
      const sessionKeys = batch.flatMap((sessionId) => {
        const s = this.keys.session({ appName, userId, sessionId });
        return [s.meta, s.state];
      });
      const reply = asArray(
        await this.run('listSessions', scripts.list, {
          keys: [u.sessionIndex, u.appState, u.userState, ...sessionKeys],
          args: batch,
        }),
        'listSessions',
      );
      for (const item of reply.slice(2)) {
        const [id, lut, state] = asArray(item, 'listed session');
        sessions.push({
          id: asString(id, 'session id'),
          appName,
          userId,
          state: mergeState(reply[0], reply[1], state),
          events: [],
          lastUpdateTime: asNumber(lut, 'lastUpdateTime'),
        });
      }
    }
    sessions.sort((a, b) => b.lastUpdateTime - a.lastUpdateTime || (a.id < b.id ? -1 : 1));
    return { sessions };
  }

  async deleteSession(request: SessionKey): Promise<void> {
    const key = validateSessionKey(request);
    const s = this.keys.session(key);
    await this.run('deleteSession', scripts.delete, {
      keys: [s.meta, s.state, s.events, s.eventIds, s.eventTimes, this.keys.user(key).sessionIndex],
      args: [key.sessionId],
    });
  }

  async appendEvent({ session, event }: AppendEventRequest): Promise<Event> {
    const key = validateAppendRequest({ session, event });
    if (!key) return event;
    const delta = event.actions.stateDelta ?? {};
    const storedDelta = withoutTempKeys(delta);
    const body = encodeJson('event', { ...event, actions: { ...event.actions, stateDelta: storedDelta } });
    const triples = stateTriples({ scoped: splitStateDelta(storedDelta), field: 'event.actions.stateDelta' });
    const s = this.keys.session(key);
    const u = this.keys.user(key);
    const reply = asArray(
      await this.run('appendEvent', scripts.append, {
        keys: [s.meta, s.state, s.events, s.eventIds, s.eventTimes, u.appState, u.userState, u.sessionIndex],
        args: [event.id, body, event.timestamp, this.ttlSeconds, ...triples],
      }),
      'appendEvent',
    );
    if (reply[0] === 0) throw new NotFoundError(`session ${JSON.stringify(key.sessionId)} does not exist`);
    if (reply[0] === 3) throw foreignData(reply[1]);
    // Stored (or already stored by an earlier try): now mirror it on the caller's object.
    applyStateDelta(session.state, delta);
    session.events.push(event);
    session.lastUpdateTime = asNumber(reply[1], 'lastUpdateTime');
    return event;
  }

  /** Quits the client if the service created it from a URL; a passed-in client stays open. */
  async close(): Promise<void> {
    if (!this.ownsClient || this.redis.status === 'end') return;
    const status = this.redis.status;
    const ended = new Promise<void>((resolve) => this.redis.once('end', () => resolve()));
    if (status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
    // Between reconnect attempts there is no socket, so no 'end' will come: don't wait for it.
    if (status !== 'reconnecting') await Promise.race([ended, sleep(2000, undefined, { ref: false })]);
  }

  private run(
    operation: string,
    script: LuaScript,
    { keys, args }: { keys: string[]; args: (string | number)[] },
  ): Promise<unknown> {
    return this.call(operation, () => script.run({ redis: this.redis, keys, args }));
  }

  /** Any client or server failure becomes a `StorageError` (original kept as `cause`). */
  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof EarshotError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new StorageError(`redis ${operation} failed: ${message}`, { cause: error });
    }
  }
}

export function createRedisSessionService(options: RedisSessionServiceOptions): RedisSessionService {
  return new RedisSessionService(options);
}

function foreignData(key: unknown): StorageError {
  return new StorageError(`key ${String(key)} holds data of another type: nothing was written`);
}

function validateTtl(ttl: unknown): number {
  if (ttl === undefined) return 0;
  if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl <= 0) {
    throw new InvalidArgumentError('ttlSeconds must be a positive integer', { field: 'ttlSeconds' });
  }
  return ttl;
}

/**
 * A client that fails fast instead of queueing for minutes: a command waiting through a
 * reconnect is rejected after 2 failed attempts (ioredis default: 20). Commands that were in
 * flight when the link dropped are re-sent once it is back (ioredis default), which is safe
 * because every script is idempotent (appends by event id, creates by a per-call token).
 */
function createOwnedClient(url: string): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(50 * 2 ** (times - 1), 2000) + Math.floor(Math.random() * 50),
  });
  // Without a listener ioredis prints every reconnect error; failures surface per call instead.
  client.on('error', () => {});
  return client;
}
