import { InvalidArgumentError, isUserScopedFilename, validateFilename } from '@earshot/core';

/**
 * Object layout: `{prefix}{app}/{user}/{scope}/{filename}/{version}`.
 *
 * - Every id and the filename is ONE key segment, percent-encoded (below), so `/` inside a
 *   filename never creates a level and no value can reach a neighbour's place.
 * - `scope` is the encoded session id, or `USER_SCOPE` for `user:` filenames. `USER_SCOPE`
 *   contains `!`, which the encoding never emits, so no session id (`user`, `!user` …) can
 *   imitate it.
 * - `version` is a plain decimal (0, 1, 2 …), as in ADK's GCS layout.
 */
export const USER_SCOPE = '!user';

/** S3's limit on an object key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

// Digits of the largest version a key must leave room for (Number.MAX_SAFE_INTEGER).
const MAX_VERSION_DIGITS = 16;

// Kept as is: letters, digits, `-`, `_`, `.`. Everything else (including `%`, `/`, `!`, `~`,
// spaces and every non-ASCII byte) becomes `%XX`, so keys are plain printable ASCII: safe in
// URLs, in XML listings and on file-system-backed stores.
const PLAIN = /^[A-Za-z0-9._-]$/;
const CANONICAL_VERSION = /^(0|[1-9][0-9]{0,15})$/;

export function encodeSegment(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && PLAIN.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  // A segment of dots only (an id `.` or `..`) would read as a path step to some tools.
  return /^\.+$/.test(out) ? out.replaceAll('.', '%2E') : out;
}

/** The value encoded in `segment`, or `undefined` if the segment is not in canonical encoding. */
export function decodeSegment(segment: string): string | undefined {
  let value: string;
  try {
    value = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  // Only our own canonical output counts; anything else under the prefix is a foreign key.
  return encodeSegment(value) === segment ? value : undefined;
}

export interface ScopeKey {
  prefix: string;
  appName: string;
  userId: string;
  sessionId: string;
}

export interface ArtifactKey extends ScopeKey {
  filename: string;
}

/** The listing prefixes of one session's own files and of the user's `user:` files. */
export function scopePrefixes({ prefix, appName, userId, sessionId }: ScopeKey): {
  session: string;
  user: string;
} {
  const base = `${prefix}${encodeSegment(appName)}/${encodeSegment(userId)}/`;
  return { session: `${base}${encodeSegment(sessionId)}/`, user: `${base}${USER_SCOPE}/` };
}

/** `{prefix}{app}/{user}/{scope}/{filename}/`: every version of one artifact sits right under it. */
export function artifactPrefix(key: ArtifactKey): string {
  const scopes = scopePrefixes(key);
  const scope = isUserScopedFilename(key.filename) ? scopes.user : scopes.session;
  return `${scope}${encodeSegment(key.filename)}/`;
}

export function versionKey(artifact: string, version: number): string {
  return `${artifact}${version}`;
}

// A large body's own object, next to the versions: `!` never appears in a version (digits) nor
// in an encoded segment, so a body key is never read as a version or as a filename.
const BODY_MARK = '!body-';

/** Where a multipart save puts its body before a version points at it: named by the save id. */
export function bodyKey(artifact: string, saveId: string): string {
  return `${artifact}${BODY_MARK}${saveId}`;
}

/** Whether `key` is a body object of this artifact (`{artifact}!body-{save id}`). */
export function isBodyKey(artifact: string, key: string): boolean {
  return key.startsWith(`${artifact}${BODY_MARK}`) && !key.slice(artifact.length).includes('/');
}

/**
 * The `StartAfter` that skips every key of one filename under `scope`: its keys are
 * `{scope}{segment}/…` with digits or `!body-…` after the slash, all below `~`, and no other
 * filename's key starts with `{segment}/` (segments never contain `/`).
 */
export function afterFilename(scope: string, segment: string): string {
  return `${scope}${segment}/~`;
}

/** Whether every version key of this artifact fits S3's key limit. */
export function fitsKeyLimit(artifact: string): boolean {
  return Buffer.byteLength(artifact, 'utf8') + MAX_VERSION_DIGITS <= MAX_KEY_BYTES;
}

/** Rejects, before any request, a save whose keys S3 could not store. */
export function assertFitsKeyLimit(artifact: string): void {
  if (!fitsKeyLimit(artifact)) {
    const bytes = Buffer.byteLength(artifact, 'utf8') + MAX_VERSION_DIGITS;
    throw new InvalidArgumentError(
      `the object key for this artifact would be up to ${bytes} bytes once encoded; S3 allows ${MAX_KEY_BYTES}. ` +
        'Use a shorter filename, ids or prefix (non-ASCII characters take 3 bytes per UTF-8 byte when encoded).',
      { field: 'filename' },
    );
  }
}

/** The version in `key` when it is exactly `{artifact}{digits}`; `undefined` for anything else. */
export function parseVersion(artifact: string, key: string): number | undefined {
  if (!key.startsWith(artifact)) return undefined;
  const rest = key.slice(artifact.length);
  return CANONICAL_VERSION.test(rest) ? Number(rest) : undefined;
}

/**
 * The filename in `key`, a key listed under a scope prefix, when it is exactly
 * `{scope}{filename}/{version}` in our encoding and the filename belongs to that scope
 * (`user:` names only under the user scope); `undefined` for a foreign key.
 */
export function parseFilename(scope: string, key: string, userScope: boolean): string | undefined {
  if (!key.startsWith(scope)) return undefined;
  const rest = key.slice(scope.length).split('/');
  if (rest.length !== 2 || !CANONICAL_VERSION.test(rest[1] ?? '')) return undefined;
  const filename = decodeSegment(rest[0] ?? '');
  if (filename === undefined || isUserScopedFilename(filename) !== userScope) return undefined;
  try {
    return validateFilename(filename);
  } catch {
    return undefined;
  }
}

/** Normalizes the configured prefix: empty, or ending in `/` (a prefix is a folder). */
export function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return '';
  if (typeof prefix !== 'string' || /[\u0000-\u001f\u007f-\u009f]/.test(prefix) || !prefix.isWellFormed()) {
    throw new InvalidArgumentError('prefix must be a string without control characters', { field: 'prefix' });
  }
  if (Buffer.byteLength(prefix, 'utf8') > 512) {
    throw new InvalidArgumentError('prefix must be at most 512 bytes', { field: 'prefix' });
  }
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}
