import { InvalidArgumentError } from '../errors.js';

/** Optional paging of a listing: without it, a listing returns everything (as before). */
export interface PageRequest {
  /** Items per page, 1 … `MAX_PAGE_SIZE`. Default `DEFAULT_PAGE_SIZE` when only a token is given. */
  pageSize?: number;
  /** The `nextPageToken` of the previous page; omitted for the first page. */
  pageToken?: string;
}

/** A validated page request: `undefined` from `validatePageRequest` means "no paging". */
export interface ValidPageRequest {
  pageSize: number;
  pageToken: string | undefined;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** Longest accepted page token, in characters: a token is a cursor, never a payload. */
export const MAX_PAGE_TOKEN_LENGTH = 2048;

/**
 * Validates `{pageSize, pageToken}` at the API edge. `undefined` (or `{}`) means "list
 * everything"; a page size outside 1 … `MAX_PAGE_SIZE` or a token that is not a string of
 * reasonable length is an `InvalidArgumentError`.
 */
export function validatePageRequest(page: PageRequest | undefined): ValidPageRequest | undefined {
  if (page === undefined || page === null) return undefined;
  if (typeof page !== 'object') {
    throw new InvalidArgumentError('page must be an object {pageSize?, pageToken?}', { field: 'page' });
  }
  const { pageSize, pageToken } = page;
  if (pageSize === undefined && pageToken === undefined) return undefined;
  if (
    pageSize !== undefined &&
    (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
  ) {
    throw new InvalidArgumentError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`, {
      field: 'pageSize',
    });
  }
  if (
    pageToken !== undefined &&
    (typeof pageToken !== 'string' || pageToken.length === 0 || pageToken.length > MAX_PAGE_TOKEN_LENGTH)
  ) {
    throw new InvalidArgumentError(
      `pageToken must be a non-empty string of at most ${MAX_PAGE_TOKEN_LENGTH} characters`,
      { field: 'pageToken' },
    );
  }
  return { pageSize: pageSize ?? DEFAULT_PAGE_SIZE, pageToken };
}

/**
 * An opaque page token: base64url of a JSON array `[kind, ...cursor]`. The kind keeps a token
 * of one listing from being accepted by another.
 */
export function encodePageToken(kind: string, cursor: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([kind, ...cursor]), 'utf8').toString('base64url');
}

/** The cursor of a token made by `encodePageToken` for `kind`; anything else is `InvalidArgumentError`. */
export function decodePageToken(kind: string, token: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed[0] !== kind) {
    throw new InvalidArgumentError('pageToken is not a token of this listing', { field: 'pageToken' });
  }
  return parsed.slice(1);
}

/** Orders strings by Unicode code point (= UTF-8 byte order, what Redis and S3 sort by). */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF: they sort after U+E000–FFFF.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
