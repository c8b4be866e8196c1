import { InvalidArgumentError } from './errors.js';

/** Longest accepted id (app, user, session), in UTF-8 bytes. */
export const MAX_ID_BYTES = 256;
/** Longest accepted artifact filename, in UTF-8 bytes. */
export const MAX_FILENAME_BYTES = 512;
/** Prefix of artifact filenames scoped to the user across all their sessions. */
export const USER_SCOPED_FILENAME_PREFIX = 'user:';

// C0 controls, DEL and C1 controls: never meaningful in an id, dangerous in keys and logs.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

function describe(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
    : String(value);
}

function checkCommon(field: string, value: unknown, maxBytes: number): asserts value is string {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`${field} must be a string, got ${typeof value}`, { field });
  }
  if (value.length === 0) throw new InvalidArgumentError(`${field} must not be empty`, { field });
  if (CONTROL_CHARS.test(value)) {
    throw new InvalidArgumentError(`${field} must not contain control characters: ${describe(value)}`, {
      field,
    });
  }
  if (!value.isWellFormed()) {
    throw new InvalidArgumentError(`${field} contains a lone UTF-16 surrogate: ${describe(value)}`, {
      field,
    });
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > maxBytes) {
    throw new InvalidArgumentError(`${field} is ${bytes} bytes long; the limit is ${maxBytes}`, { field });
  }
}

/**
 * Validates an app, user or session id. Every other character (`:`, `/`, `{`, `*`,
 * unicode, spaces) is accepted: backends keep ids apart by encoding, never by rejecting.
 */
export function validateId(field: string, value: unknown): string {
  checkCommon(field, value, MAX_ID_BYTES);
  return value;
}

/**
 * Validates an artifact filename. `/` is allowed (a filename is one artifact, whatever it
 * contains), but not an absolute name nor an empty, `.` or `..` segment, so no filename can
 * walk out of its place on a file-system or key-prefix backend.
 */
export function validateFilename(value: unknown, field = 'filename'): string {
  checkCommon(field, value, MAX_FILENAME_BYTES);
  const name = value.startsWith(USER_SCOPED_FILENAME_PREFIX)
    ? value.slice(USER_SCOPED_FILENAME_PREFIX.length)
    : value;
  if (name.length === 0) {
    throw new InvalidArgumentError(`${field} must name something after "${USER_SCOPED_FILENAME_PREFIX}"`, {
      field,
    });
  }
  if (name.startsWith('/') || name.startsWith('\\')) {
    throw new InvalidArgumentError(`${field} must be relative, got ${describe(value)}`, { field });
  }
  for (const segment of name.split(/[/\\]/)) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidArgumentError(
        `${field} must not have an empty, "." or ".." path segment: ${describe(value)}`,
        { field },
      );
    }
  }
  return value;
}

export function isUserScopedFilename(filename: string): boolean {
  return filename.startsWith(USER_SCOPED_FILENAME_PREFIX);
}

/** Validates an optional non-negative integer option (e.g. `numRecentEvents`, a version). */
export function validateNonNegativeInteger(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${field} must be a non-negative integer, got ${describe(value)}`, {
      field,
    });
  }
  return value;
}

/** Validates an optional finite number option (e.g. `afterTimestamp`). */
export function validateFiniteNumber(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`${field} must be a finite number, got ${describe(value)}`, { field });
  }
  return value;
}
