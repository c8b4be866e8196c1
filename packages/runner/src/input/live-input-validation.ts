import { InvalidArgumentError } from '@earshot/core';
import type { Blob, Content, Part } from '@google/genai';

/*
 * What the queue accepts is exactly what the run can send: every check the SDK (and the Live
 * API behind it) would make later, when a failure would end the run, is made here, at the call,
 * with an `InvalidArgumentError`. Accepted requests are copied into canonical form (only the
 * fields that go on the wire), so a caller mutating its object afterwards changes nothing.
 */

/**
 * A realtime chunk as it goes on the wire: canonical mime type, base64 data, nothing else. Only
 * `validateRealtimeBlob` makes them, so an instance is known to need no JSON escaping (see
 * `realtimeFrame`). A class, too, because one is made per chunk (see `AsyncQueue`'s `Item`).
 */
export class RealtimeBlob {
  constructor(
    readonly data: string,
    readonly mimeType: string,
  ) {}
}

/** Still frames Gemini Live takes as `realtimeInput.video` (camera or screen). */
export const IMAGE_MIME_TYPES: readonly string[] = ['image/jpeg', 'image/png'];

// Standard base64 (what the Live API expects). A flat character class plus a length check:
// linear and stack-safe on multi-megabyte chunks, unlike a grouped `(?:x{4})*` pattern.
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;
const isBase64Slow = (data: string) => data.length % 4 === 0 && BASE64_CHARS.test(data);

/*
 * The per-chunk check (every 40 ms of every session): Node's native decoder into a scratch buffer,
 * ~6x faster than the pattern. It skips characters outside the alphabet and stops at a `=`
 * before the end, so any of those makes fewer bytes come out than the length and padding say;
 * it also takes the base64url `-` and `_`, which the Live API does not, hence the `indexOf`s.
 * Chunks bigger than the scratch buffer (not real-time audio) take the pattern.
 */
const SCRATCH_CHARS = 64 * 1024;
const scratch = Buffer.allocUnsafe((SCRATCH_CHARS / 4) * 3);

function isBase64(data: string): boolean {
  const length = data.length;
  if (length % 4 !== 0) return false;
  if (length > SCRATCH_CHARS) return isBase64Slow(data);
  if (data.indexOf('-') !== -1 || data.indexOf('_') !== -1) return false;
  let padding = 0;
  if (length > 0 && data.charCodeAt(length - 1) === 0x3d /* = */) {
    padding = data.charCodeAt(length - 2) === 0x3d ? 2 : 1;
  }
  return scratch.write(data, 0, 'base64') === (length / 4) * 3 - padding;
}
const PCM_RATE = /^rate=([1-9][0-9]{0,5})$/;

/**
 * The canonical form of a realtime mime type (lower case, no whitespace), or undefined when the
 * run cannot send it: `audio/pcm` with an optional `rate=N`, `image/jpeg`, `image/png`.
 */
export function canonicalRealtimeMime(mimeType: unknown): string | undefined {
  if (typeof mimeType !== 'string') return undefined;
  // A stream sends one mime type string over and over: parse it once.
  if (mimeType === lastMime) return lastCanonical;
  const canonical = parseRealtimeMime(mimeType);
  if (canonical !== undefined) {
    lastMime = mimeType;
    lastCanonical = canonical;
  }
  return canonical;
}

let lastMime: string | undefined;
let lastCanonical: string | undefined;

function parseRealtimeMime(mimeType: string): string | undefined {
  const [essence = '', ...parameters] = mimeType
    .toLowerCase()
    .split(';')
    .map((piece) => piece.replace(/\s+/g, ''));
  if (IMAGE_MIME_TYPES.includes(essence)) return parameters.every((p) => p === '') ? essence : undefined;
  if (essence !== 'audio/pcm') return undefined;
  const kept = parameters.filter((p) => p !== '');
  if (kept.length === 0) return essence;
  if (kept.length > 1 || !PCM_RATE.test(kept[0] as string)) return undefined;
  return `${essence};${kept[0]}`;
}

/** True for a canonical image mime type (sent as `realtimeInput.video`). */
export function isImageMime(mimeType: string): boolean {
  return mimeType.startsWith('image/');
}

export function validateRealtimeBlob(blob: Blob): RealtimeBlob {
  if (blob === null || typeof blob !== 'object') {
    throw new InvalidArgumentError('blob must be an object {data, mimeType}', { field: 'blob' });
  }
  const mimeType = canonicalRealtimeMime(blob.mimeType);
  if (mimeType === undefined) {
    throw new InvalidArgumentError(
      `blob.mimeType must be audio/pcm (optionally ;rate=N), image/jpeg or image/png, got ${JSON.stringify(blob.mimeType)}`,
      { field: 'blob.mimeType' },
    );
  }
  const { data } = blob;
  if (typeof data !== 'string' || data.length === 0 || !isBase64(data)) {
    throw new InvalidArgumentError('blob.data must be a non-empty base64 string', { field: 'blob.data' });
  }
  return new RealtimeBlob(data, mimeType);
}

/** A user content turn: `role` user or model (default user), parts of text, inline data or file data. */
export function validateContent(content: Content): Content {
  if (content === null || typeof content !== 'object' || !Array.isArray(content.parts)) {
    throw new InvalidArgumentError('content must be an object with a parts array', { field: 'content' });
  }
  const role = content.role ?? 'user';
  if (role !== 'user' && role !== 'model') {
    throw new InvalidArgumentError(`content.role must be 'user' or 'model', got ${JSON.stringify(role)}`, {
      field: 'content.role',
    });
  }
  if (content.parts.length === 0) {
    throw new InvalidArgumentError('content.parts must not be empty', { field: 'content.parts' });
  }
  return { role, parts: content.parts.map((part, index) => validatePart(part, `content.parts[${index}]`)) };
}

function validatePart(part: Part, field: string): Part {
  if (part === null || typeof part !== 'object' || Array.isArray(part)) {
    throw new InvalidArgumentError(`${field} must be an object`, { field });
  }
  if (part.functionCall !== undefined || part.functionResponse !== undefined) {
    throw new InvalidArgumentError('content must not carry function calls or responses', { field });
  }
  const keys = Object.keys(part).filter((key) => part[key as keyof Part] !== undefined);
  const unknown = keys.filter((key) => key !== 'text' && key !== 'inlineData' && key !== 'fileData');
  if (keys.length !== 1 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `${field} must have exactly one of text, inlineData or fileData, got ${JSON.stringify(keys)}`,
      { field },
    );
  }
  if (part.text !== undefined) {
    if (typeof part.text !== 'string')
      throw new InvalidArgumentError(`${field}.text must be a string`, { field });
    return { text: part.text };
  }
  if (part.inlineData !== undefined) {
    const { data, mimeType } = (part.inlineData ?? {}) as Blob;
    if (typeof mimeType !== 'string' || !/^[a-z]+\/[a-z0-9.+-]+/i.test(mimeType.trim())) {
      throw new InvalidArgumentError(`${field}.inlineData.mimeType must be a mime type`, { field });
    }
    if (typeof data !== 'string' || data.length === 0 || !isBase64(data)) {
      throw new InvalidArgumentError(`${field}.inlineData.data must be a non-empty base64 string`, { field });
    }
    return { inlineData: { data, mimeType: mimeType.trim().toLowerCase() } };
  }
  const { fileUri, mimeType } = (part.fileData ?? {}) as { fileUri?: unknown; mimeType?: unknown };
  if (typeof fileUri !== 'string' || fileUri.length === 0) {
    throw new InvalidArgumentError(`${field}.fileData.fileUri must be a non-empty string`, { field });
  }
  if (mimeType !== undefined && typeof mimeType !== 'string') {
    throw new InvalidArgumentError(`${field}.fileData.mimeType must be a string`, { field });
  }
  return {
    fileData: mimeType === undefined ? { fileUri } : { fileUri, mimeType: mimeType.trim().toLowerCase() },
  };
}
