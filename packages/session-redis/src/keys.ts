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

/** Version of the key layout, part of every key: a future layout can live next to this one. */
export const LAYOUT_VERSION = 'v2';

/** Every key of one session, in the order the Lua scripts expect them. */
export interface SessionKeys {
  /** HASH: `lut` (last update time, ms), `ct` (create token), `ix` (its member in the index). */
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

/** The keys of one user of an app: one hash tag `{A:U}`, shared with all their sessions. */
export interface UserKeys {
  /** HASH: `user:` state of one user in the app. */
  userState: string;
  /** ZSET, all scores 0: member `<order key>:<raw session id>`, in listing order (see `orderKey`). */
  sessionIndex: string;
}

/** The keys of an app's `app:` state: their own hash tag `{A}`, so their own slot. */
export interface AppKeys {
  /** HASH: `app:` state, full state key → JSON value. */
  appState: string;
  /** ZSET: member `U:S:eventId` (encoded user and session), score ms: `app:` deltas applied. */
  appliedDeltas: string;
}

/**
 * The key schema, layout `v2`. A user's keys carry the hash tag `{A:U}` (encoded app and
 * user; encoded ids never contain `:` or braces), so one user's sessions and `user:` state
 * share a slot and an app's users spread over every master. `app:` state has the tag `{A}`.
 *
 * ```
 * {prefix}v2:{A}:app              HASH  app: state
 * {prefix}v2:{A}:appdeltas        ZSET  app: deltas applied, by event (idempotence)
 * {prefix}v2:{A:U}:user           HASH  user: state
 * {prefix}v2:{A:U}:sessions       ZSET  session index (lexicographic, listing order)
 * {prefix}v2:{A:U}:meta:S         HASH  lut, ct, ix
 * {prefix}v2:{A:U}:state:S        HASH  session state
 * {prefix}v2:{A:U}:events:S       HASH  seq → event JSON
 * {prefix}v2:{A:U}:eventids:S     HASH  event id → seq
 * {prefix}v2:{A:U}:eventts:S      ZSET  seq by timestamp
 * ```
 */
export class KeySchema {
  constructor(readonly prefix: string) {}

  /** The hash tag of one user's keys (braces included). */
  userTag(appName: string, userId: string): string {
    return `{${encodeSegment(appName)}:${encodeSegment(userId)}}`;
  }

  /** The hash tag of an app's `app:` state (braces included). */
  appTag(appName: string): string {
    return `{${encodeSegment(appName)}}`;
  }

  /** The glob pattern matching every key of one app, all users included (tests and tooling). */
  appPattern(appName: string): string {
    return `${escapeGlob(this.prefix)}${LAYOUT_VERSION}:{${encodeSegment(appName)}[:}]*`;
  }

  app(appName: string): AppKeys {
    const base = `${this.prefix}${LAYOUT_VERSION}:${this.appTag(appName)}`;
    return { appState: `${base}:app`, appliedDeltas: `${base}:appdeltas` };
  }

  user({ appName, userId }: { appName: string; userId: string }): UserKeys {
    const base = `${this.prefix}${LAYOUT_VERSION}:${this.userTag(appName, userId)}`;
    return { userState: `${base}:user`, sessionIndex: `${base}:sessions` };
  }

  session({ appName, userId, sessionId }: SessionKey): SessionKeys {
    const base = `${this.prefix}${LAYOUT_VERSION}:${this.userTag(appName, userId)}`;
    const s = encodeSegment(sessionId);
    return {
      meta: `${base}:meta:${s}`,
      state: `${base}:state:${s}`,
      events: `${base}:events:${s}`,
      eventIds: `${base}:eventids:${s}`,
      eventTimes: `${base}:eventts:${s}`,
    };
  }
}

/** Reused by `orderKey` / `memberTime` (synchronous, so never shared by two calls at once). */
const scratch = new DataView(new ArrayBuffer(8));

/**
 * A fixed-width (16 hex digits) key that sorts byte-wise in the listing order: larger
 * `lastUpdateTime` first. IEEE 754 bits made order-preserving (sign bit flipped for positives,
 * all bits for negatives), then inverted for descending order.
 */
export function orderKey(lastUpdateTime: number): string {
  const view = scratch;
  view.setFloat64(0, lastUpdateTime === 0 ? 0 : lastUpdateTime); // -0 and 0 are one time
  let hi = view.getUint32(0);
  let lo = view.getUint32(4);
  if (hi & 0x80000000) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  } else {
    hi = (hi | 0x80000000) >>> 0;
  }
  return hex8(~hi >>> 0) + hex8(~lo >>> 0);
}

/** The index member of a session: its order key, `:`, its raw id (binary-safe in a ZSET). */
export function indexMember(lastUpdateTime: number, sessionId: string): string {
  return `${orderKey(lastUpdateTime)}:${sessionId}`;
}

/** The session id in an index member. */
export function memberSessionId(member: string): string {
  return member.slice(17);
}

/** The `lastUpdateTime` encoded in an index member (inverse of `orderKey`). */
export function memberTime(member: string): number {
  let hi = ~Number.parseInt(member.slice(0, 8), 16) >>> 0;
  let lo = ~Number.parseInt(member.slice(8, 16), 16) >>> 0;
  if (hi & 0x80000000) {
    hi = (hi & 0x7fffffff) >>> 0;
  } else {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  }
  const view = scratch;
  view.setUint32(0, hi);
  view.setUint32(4, lo);
  return view.getFloat64(0);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
