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
  type PageRequest,
  type Session,
  type SessionKey,
  type SessionService,
  StorageError,
  splitStateDelta,
  validateAppendRequest,
  validateGetSessionConfig,
  validateId,
  validatePageRequest,
  validateSessionKey,
  validateState,
  validateUserKey,
  withoutTempKeys,
} from '@earshot/core';
import { Redis } from 'ioredis';
import {
  APP_SLOT_SCOPES,
  asArray,
  asNumber,
  decodeEvents,
  encodeJson,
  mergeState,
  stateTriples,
  USER_SLOT_SCOPES,
} from './codec.js';
import { type DurabilityOptions, validateDurability } from './durability.js';
import { encodeSegment, indexMember, KeySchema, validateKeyPrefix } from './keys.js';
import { LuaScript, type RedisClient } from './script-runner.js';
import {
  APPEND_EVENT,
  APPLY_APP_DELTA,
  CREATE_SESSION,
  DELETE_SESSION,
  GET_SESSION,
  LIST_SESSIONS,
} from './scripts.js';
import { SessionLister } from './session-lister.js';
import { instrumentRedisService, type RedisTelemetryOptions } from './telemetry.js';

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
  /**
   * Every write waits (`WAIT`, on the connection and node that ran it) until `replicas`
   * replicas acknowledged it, at most `timeoutMs`; fewer is a `DurabilityError`. Default: no wait.
   */
  durability?: DurabilityOptions;
  /** Spans and metrics through `@opentelemetry/api` (global providers unless given); `false`: none. */
  telemetry?: RedisTelemetryOptions | false;
}

const scripts = {
  create: new LuaScript('createSession', CREATE_SESSION),
  append: new LuaScript('appendEvent', APPEND_EVENT),
  appDelta: new LuaScript('applyAppDelta', APPLY_APP_DELTA),
  get: new LuaScript('getSession', GET_SESSION),
  list: new LuaScript('listSessions', LIST_SESSIONS),
  delete: new LuaScript('deleteSession', DELETE_SESSION),
};

/**
 * How long the app slot remembers that an event's `app:` delta was applied: a retry of the
 * same append within this window never applies it twice.
 */
export const APP_DELTA_RETRY_WINDOW_MS = 24 * 3600 * 1000;

/**
 * `SessionService` on Redis (standalone or Cluster) through ioredis. Every mutation is one
 * Lua script in the user's slot (atomic, one round trip, independent of the history length),
 * plus one in the app's slot when it touches `app:` state. See README.md for the key schema,
 * the `app:` guarantee, durability, the stale-session rule, TTL and failure behaviour.
 */
export class RedisSessionService implements SessionService {
  readonly keys: KeySchema;
  readonly durability: DurabilityOptions | undefined;
  private readonly redis: RedisClient;
  private readonly ownsClient: boolean;
  private readonly ttlSeconds: number;
  private readonly lister: SessionLister;

  constructor(options: RedisSessionServiceOptions) {
    this.keys = new KeySchema(validateKeyPrefix(options?.keyPrefix));
    this.ttlSeconds = validateTtl(options?.ttlSeconds);
    this.durability = validateDurability(options?.durability);
    if (typeof options?.redis === 'string') {
      this.redis = createOwnedClient(options.redis);
      this.ownsClient = true;
    } else if (options?.redis && typeof options.redis === 'object') {
      this.redis = options.redis;
      this.ownsClient = false;
    } else {
      throw new InvalidArgumentError('redis must be an ioredis client, cluster or URL', { field: 'redis' });
    }
    this.lister = new SessionLister({
      keys: this.keys,
      script: scripts.list,
      call: (operation, fn) => this.call(operation, fn),
      redis: this.redis,
      readAppState: (appName) => this.readAppState(appName),
    });
    instrumentRedisService(this, options.telemetry);
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
    const triples = stateTriples({
      scoped: initial,
      field: 'state',
      scopes: USER_SLOT_SCOPES,
      keepSessionNulls: true,
    });
    const appTriples = stateTriples({ scoped: initial, field: 'state', scopes: APP_SLOT_SCOPES });
    const key = { appName, userId, sessionId };
    const s = this.keys.session(key);
    const u = this.keys.user(key);
    const now = Date.now();
    const token = randomUUID();
    const creating = this.write('createSession', scripts.create, {
      keys: [s.meta, s.state, u.userState, u.sessionIndex],
      args: [sessionId, String(now), this.ttlSeconds, token, indexMember(now, sessionId), ...triples],
    });
    // Without app: keys to write, the app state is read side by side with the create.
    const reading = appTriples.length === 0 ? this.readAppState(appName) : undefined;
    reading?.catch(() => {}); // awaited below, unless the create fails first
    const reply = asArray(await creating, 'createSession');
    if (reply[0] === 0) throw new AlreadyExistsError(`session ${JSON.stringify(sessionId)} already exists`);
    if (reply[0] === 3) throw foreignData(reply[1]);
    // The app: part of the initial state goes to the app's slot once the session exists.
    await this.applyAppDelta(appName, `${deltaOwner(key)}:create:${token}`, appTriples);
    const appState = await (reading ?? this.readAppState(appName));
    return {
      id: sessionId,
      appName,
      userId,
      state: mergeState(appState, reply[2], reply[3]),
      events: [],
      lastUpdateTime: asNumber(reply[1], 'lastUpdateTime'),
    };
  }

  async getSession(request: GetSessionRequest): Promise<Session | undefined> {
    const key = validateSessionKey(request);
    const config: GetSessionConfig = validateGetSessionConfig(request.config);
    const s = this.keys.session(key);
    const u = this.keys.user(key);
    // Two slots, read side by side: one round trip of latency.
    const [raw, appState] = await Promise.all([
      this.run('getSession', scripts.get, {
        keys: [s.meta, s.state, s.events, s.eventTimes, u.userState],
        args: [
          config.numRecentEvents ?? '',
          config.afterTimestamp === undefined ? '' : config.afterTimestamp,
        ],
      }),
      this.readAppState(key.appName),
    ]);
    const reply = asArray(raw, 'getSession');
    if (reply[0] === 0) return undefined;
    return {
      id: key.sessionId,
      appName: key.appName,
      userId: key.userId,
      state: mergeState(appState, reply[2], reply[3]),
      events: decodeEvents(reply[4]),
      lastUpdateTime: asNumber(reply[1], 'lastUpdateTime'),
    };
  }

  async listSessions(request: ListSessionsRequest, page?: PageRequest): Promise<ListSessionsResponse> {
    const who = validateUserKey(request);
    const valid = validatePageRequest(page);
    return valid ? this.lister.page(who, valid) : this.lister.all(who);
  }

  async deleteSession(request: SessionKey): Promise<void> {
    const key = validateSessionKey(request);
    const s = this.keys.session(key);
    await this.write('deleteSession', scripts.delete, {
      keys: [s.meta, s.state, s.events, s.eventIds, s.eventTimes, this.keys.user(key).sessionIndex],
      args: [],
    });
  }

  async appendEvent({ session, event }: AppendEventRequest): Promise<Event> {
    const key = validateAppendRequest({ session, event });
    if (!key) return event;
    const delta = event.actions.stateDelta ?? {};
    const storedDelta = withoutTempKeys(delta);
    const body = encodeJson('event', { ...event, actions: { ...event.actions, stateDelta: storedDelta } });
    const scoped = splitStateDelta(storedDelta);
    const field = 'event.actions.stateDelta';
    const triples = stateTriples({ scoped, field, scopes: USER_SLOT_SCOPES });
    const appTriples = stateTriples({ scoped, field, scopes: APP_SLOT_SCOPES });
    const s = this.keys.session(key);
    const u = this.keys.user(key);
    const reply = asArray(
      await this.write('appendEvent', scripts.append, {
        keys: [s.meta, s.state, s.events, s.eventIds, s.eventTimes, u.userState, u.sessionIndex],
        args: [
          event.id,
          body,
          event.timestamp,
          this.ttlSeconds,
          indexMember(event.timestamp, key.sessionId),
          ...triples,
        ],
      }),
      'appendEvent',
    );
    if (reply[0] === 0) throw new NotFoundError(`session ${JSON.stringify(key.sessionId)} does not exist`);
    if (reply[0] === 3) throw foreignData(reply[1]);
    // Stored, now or by an earlier try (reply 2): the app: part follows, at most once per event
    // id, so a retry after a failure right here finishes the job.
    await this.applyAppDelta(key.appName, `${deltaOwner(key)}:${event.id}`, appTriples);
    // Everything is stored: now mirror it on the caller's object.
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

  /** Applies `app:` triples in the app's slot, at most once per `deltaId` (within the retry window). */
  private async applyAppDelta(appName: string, deltaId: string, appTriples: string[]): Promise<void> {
    if (appTriples.length === 0) return;
    const a = this.keys.app(appName);
    const now = Date.now();
    const reply = asArray(
      await this.write('app: state write', scripts.appDelta, {
        keys: [a.appState, a.appliedDeltas],
        args: [deltaId, now, now - APP_DELTA_RETRY_WINDOW_MS, ...appTriples],
      }),
      'app: state',
    );
    if (reply[0] === 3) throw foreignData(reply[1]);
  }

  private readAppState(appName: string): Promise<unknown> {
    const { appState } = this.keys.app(appName);
    return this.call('read app: state', () => this.redis.hgetall(appState).then(flatten));
  }

  /** A mutation: waits for replicas when `durability` is set. */
  private write(
    operation: string,
    script: LuaScript,
    { keys, args }: { keys: string[]; args: (string | number)[] },
  ): Promise<unknown> {
    const { redis, durability } = this;
    return this.call(operation, () => script.run({ redis, keys, args, durability }));
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

/** Who an `app:` delta came from, as it is recorded in the app slot: encoded user and session. */
function deltaOwner({ userId, sessionId }: SessionKey): string {
  return `${encodeSegment(userId)}:${encodeSegment(sessionId)}`;
}

/** HGETALL's object reply back to the flat `[field, value, …]` shape the codec decodes. */
function flatten(hash: Record<string, string>): string[] {
  return Object.entries(hash).flat();
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
