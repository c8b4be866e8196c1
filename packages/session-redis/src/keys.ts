import { InvalidArgumentError, type SessionKey } from '@earshot/core';

/** Characters kept as they are in a key segment; everything else is percent-encoded. */
const PLAIN = /^[A-Za-z0-9._~-]$/;
const ALL_PLAIN = /^[A-Za-z0-9._~-]*$/;

/**
 * Encodes one id for use as a key segment: UTF-8 bytes outside `[A-Za-z0-9._~-]` become `%XX`.
 * `%` itself is encoded, so the mapping is injective; the output never contains `:` (our
 * separator), `{`/`}` (hash tags), glob characters (`*?[]\`) or spaces, so an id can neither
 * reach another key nor break the cluster hash tag.
 */
export function encodeSegment(id: string): string {
  if (ALL_PLAIN.test(id)) return id; // the common case, on every call's hot path
  let out = '';
  for (const char of id) {
    if (PLAIN.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/** Inverse of `encodeSegment` (for tooling and tests). */
export function decodeSegment(segment: string): string {
  return decodeURIComponent(segment);
}

export const DEFAULT_KEY_PREFIX = 'earshot:';

/** Rejects prefixes that would change the hash tag or smuggle control characters into keys. */
export function validateKeyPrefix(prefix: unknown): string {
  if (prefix === undefined) return DEFAULT_KEY_PREFIX;
  if (typeof prefix !== 'string') {
    throw new InvalidArgumentError('keyPrefix must be a string', { field: 'keyPrefix' });
  }
  if (/[{}\u0000-\u001f\u007f]/.test(prefix)) {
    throw new InvalidArgumentError('keyPrefix must not contain "{", "}" or control characters', {
      field: 'keyPrefix',
    });
  }
  return prefix;
}

/** Every key of one session, in the order the Lua scripts expect them. */
export interface SessionKeys {
  /** HASH: `lut` (last update time, ms), `ct` (create token). */
  meta: string;
  /** HASH: session-scoped state, state key → JSON value. */
  state: string;
  /** HASH: event sequence number (1, 2, …) → event JSON. */
  events: string;
  /** HASH: event id → sequence number (idempotent appends). */
  eventIds: string;
  /** ZSET: member sequence number, score event timestamp (afterTimestamp reads). */
  eventTimes: string;
}

export interface UserKeys {
  /** HASH: `app:` state of the app, full state key → JSON value. */
  appState: string;
  /** HASH: `user:` state of one user in the app. */
  userState: string;
  /** ZSET: member session id (raw), score creation time: the user's session index. */
  sessionIndex: string;
}

/**
 * The key schema. Every key starts with `{prefix}{<app>}:` — the encoded app name is the
 * cluster hash tag, so a session's keys AND the app/user state its appends touch live in
 * one slot, which is what makes the single-script append legal on Redis Cluster.
 *
 * ```
 * {prefix}{A}:app            HASH  app: state
 * {prefix}{A}:user:U         HASH  user: state
 * {prefix}{A}:sessions:U     ZSET  session index
 * {prefix}{A}:meta:U:S       HASH  lut, ct
 * {prefix}{A}:state:U:S      HASH  session state
 * {prefix}{A}:events:U:S     HASH  seq → event JSON
 * {prefix}{A}:eventids:U:S   HASH  event id → seq
 * {prefix}{A}:eventts:U:S    ZSET  seq by timestamp
 * ```
 */
export class KeySchema {
  constructor(readonly prefix: string) {}

  /** The hash tag shared by every key of the app (braces included). */
  tag(appName: string): string {
    return `{${encodeSegment(appName)}}`;
  }

  /** The glob pattern matching every key of one app (used by tests and tooling). */
  appPattern(appName: string): string {
    return `${escapeGlob(this.prefix)}${escapeGlob(this.tag(appName))}:*`;
  }

  user({ appName, userId }: { appName: string; userId: string }): UserKeys {
    const base = `${this.prefix}${this.tag(appName)}`;
    const u = encodeSegment(userId);
    return { appState: `${base}:app`, userState: `${base}:user:${u}`, sessionIndex: `${base}:sessions:${u}` };
  }

  session({ appName, userId, sessionId }: SessionKey): SessionKeys {
    const base = `${this.prefix}${this.tag(appName)}`;
    const tail = `${encodeSegment(userId)}:${encodeSegment(sessionId)}`;
    return {
      meta: `${base}:meta:${tail}`,
      state: `${base}:state:${tail}`,
      events: `${base}:events:${tail}`,
      eventIds: `${base}:eventids:${tail}`,
      eventTimes: `${base}:eventts:${tail}`,
    };
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
