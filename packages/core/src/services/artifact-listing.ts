import type { Part } from '@google/genai';
import { InvalidArgumentError } from '../errors.js';
import { decodePageToken, encodePageToken } from './paging.js';

/** The mime type `listArtifactVersions` reports for a `text` part. */
export const TEXT_ARTIFACT_MIME_TYPE = 'text/plain; charset=utf-8';

/** Longest accepted `customMetadata`, in UTF-8 bytes of its JSON. */
export const MAX_CUSTOM_METADATA_BYTES = 1024;

const KEYS = 'artifact-keys/v1';
const VERSIONS = 'artifact-versions/v1';

/**
 * Page tokens of the artifact listings. A keys token carries the backend's own cursor (a
 * filename, or whatever the backend needs to continue); a versions token the last version
 * returned (shared by `listVersions` and `listArtifactVersions`, which page alike).
 */
export function encodeArtifactKeysPageToken(cursor: readonly (string | number)[]): string {
  return encodePageToken(KEYS, cursor);
}

export function decodeArtifactKeysPageToken(token: string): unknown[] {
  return decodePageToken(KEYS, token);
}

export function encodeVersionsPageToken(lastVersion: number): string {
  return encodePageToken(VERSIONS, [lastVersion]);
}

/** The last version of the previous page; a foreign or damaged token is `InvalidArgumentError`. */
export function decodeVersionsPageToken(token: string): number {
  const [last, ...rest] = decodePageToken(VERSIONS, token);
  if (typeof last !== 'number' || !Number.isSafeInteger(last) || last < 0 || rest.length > 0) {
    throw new InvalidArgumentError('pageToken is damaged', { field: 'pageToken' });
  }
  return last;
}

/** The mime type and stored size of a (validated) artifact part. */
export function describeArtifactPart(part: Part): { mimeType: string; sizeBytes: number } {
  if (part.inlineData !== undefined) {
    const { data = '', mimeType = 'application/octet-stream' } = part.inlineData;
    return { mimeType, sizeBytes: Buffer.byteLength(data, 'base64') };
  }
  return { mimeType: TEXT_ARTIFACT_MIME_TYPE, sizeBytes: Buffer.byteLength(part.text ?? '', 'utf8') };
}

/**
 * `customMetadata` as it is stored: its JSON form, a fresh copy. Not a plain object, not
 * serializable (a cycle, a BigInt) or over `MAX_CUSTOM_METADATA_BYTES` is `InvalidArgumentError`.
 */
export function validateCustomMetadata(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError('customMetadata must be a plain object', { field: 'customMetadata' });
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new InvalidArgumentError(`customMetadata is not JSON-serializable: ${(error as Error).message}`, {
      field: 'customMetadata',
    });
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_CUSTOM_METADATA_BYTES) {
    throw new InvalidArgumentError(
      `customMetadata is ${bytes} bytes of JSON; the limit is ${MAX_CUSTOM_METADATA_BYTES}`,
      { field: 'customMetadata' },
    );
  }
  return JSON.parse(json) as Record<string, unknown>;
}
