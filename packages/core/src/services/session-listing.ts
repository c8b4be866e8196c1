import { InvalidArgumentError } from '../errors.js';
import { compareCodePoints, decodePageToken, encodePageToken } from './paging.js';

/** Where a page of `listSessions` stops: the last session it returned. */
export interface SessionCursor {
  lastUpdateTime: number;
  id: string;
}

const KIND = 'sessions/v1';

/**
 * The listing order every backend shares: most recently updated first, ties by session id in
 * code point (UTF-8 byte) order, so pages from any backend line up the same way.
 */
export function compareListedSessions(a: SessionCursor, b: SessionCursor): number {
  return b.lastUpdateTime - a.lastUpdateTime || compareCodePoints(a.id, b.id);
}

export function encodeSessionPageToken(last: SessionCursor): string {
  return encodePageToken(KIND, [last.lastUpdateTime, last.id]);
}

/** The cursor in a `listSessions` page token; a foreign or damaged token is `InvalidArgumentError`. */
export function decodeSessionPageToken(token: string): SessionCursor {
  const [lastUpdateTime, id, ...rest] = decodePageToken(KIND, token);
  if (
    typeof lastUpdateTime !== 'number' ||
    !Number.isFinite(lastUpdateTime) ||
    typeof id !== 'string' ||
    rest.length
  ) {
    throw new InvalidArgumentError('pageToken is damaged', { field: 'pageToken' });
  }
  return { lastUpdateTime, id };
}
