import type { ArtifactVersion, Part } from '@earshot/core';
import { InvalidArgumentError, TEXT_ARTIFACT_MIME_TYPE } from '@earshot/core';
import { decodeBase64, encodeBase64 } from './base64.js';

/**
 * How a `Part` becomes one S3 object and back, exactly:
 * - `inlineData`: the decoded bytes are the body; the mime type is the `Content-Type`.
 * - `text`: the UTF-8 bytes are the body, `Content-Type: text/plain; charset=utf-8`, and the
 *   metadata marker `earshot-part: text`. The marker, not the content type, decides, so an
 *   `inlineData` part whose mime type is `text/plain` still loads as `inlineData`.
 * User metadata is ASCII only (S3 mangles anything else), so free-form values are
 * percent-encoded.
 */
export const META = {
  part: 'earshot-part',
  mime: 'earshot-mime',
  base64: 'earshot-b64',
  displayName: 'earshot-name',
  saveId: 'earshot-save',
  /** ms since the epoch when the save began (`createTime`). */
  created: 'earshot-created',
  /** `customMetadata` as base64url JSON (absent when `{}`). */
  custom: 'earshot-custom',
  /** On a pointer version (multipart bodies): the save id naming its body object. */
  body: 'earshot-body',
  /** On a pointer version: the body's size in bytes. */
  size: 'earshot-size',
} as const;

export const TEXT_CONTENT_TYPE = TEXT_ARTIFACT_MIME_TYPE;
const DEFAULT_MIME = 'application/octet-stream';
// S3 allows 2 KB of user metadata (keys + values); stay clear of it.
const MAX_METADATA_BYTES = 1800;
// A mime type S3 returns byte for byte as `Content-Type`: printable ASCII, no outer spaces.
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

export interface EncodedPart {
  body: Buffer;
  contentType: string;
  metadata: Record<string, string>;
}

export async function encodePart({
  part,
  saveId,
  createTime = Date.now(),
  customMetadata = {},
  alloc,
}: {
  part: Part;
  saveId: string;
  /** ms since the epoch; default now. */
  createTime?: number;
  /** Validated by core (its JSON form). */
  customMetadata?: Record<string, unknown>;
  /** Where decoded bytes go (a pool); fresh memory by default. */
  alloc?: (size: number) => Buffer;
}): Promise<EncodedPart> {
  const metadata: Record<string, string> = { [META.saveId]: saveId, [META.created]: String(createTime) };
  if (Object.keys(customMetadata).length > 0) {
    metadata[META.custom] = Buffer.from(JSON.stringify(customMetadata), 'utf8').toString('base64url');
  }
  let encoded: EncodedPart;
  if (part.inlineData !== undefined) {
    const { data = '', mimeType = DEFAULT_MIME, displayName } = part.inlineData;
    const { bytes: body, variant } = await decodeBase64(data, alloc);
    if (variant !== 'std') metadata[META.base64] = variant;
    const headerSafe = HEADER_SAFE.test(mimeType) && mimeType.length <= 512;
    if (!headerSafe) metadata[META.mime] = encodeURIComponent(mimeType);
    if (displayName !== undefined) metadata[META.displayName] = encodeURIComponent(displayName);
    encoded = { body, contentType: headerSafe ? mimeType : DEFAULT_MIME, metadata };
  } else {
    const text = part.text ?? '';
    if (!text.isWellFormed()) {
      throw new InvalidArgumentError('artifact.text contains a lone UTF-16 surrogate', {
        field: 'artifact.text',
      });
    }
    metadata[META.part] = 'text';
    encoded = { body: Buffer.from(text, 'utf8'), contentType: TEXT_CONTENT_TYPE, metadata };
  }
  const metadataBytes = Object.entries(metadata).reduce((n, [k, v]) => n + k.length + v.length, 0);
  if (metadataBytes > MAX_METADATA_BYTES) {
    throw new InvalidArgumentError(
      'artifact.inlineData mimeType/displayName and customMetadata are together too long to store as S3 metadata (2 KB limit)',
      { field: metadata[META.custom] ? 'customMetadata' : 'artifact.inlineData' },
    );
  }
  return encoded;
}

export function decodePart({
  body,
  contentType,
  metadata,
}: {
  body: Buffer;
  contentType: string | undefined;
  metadata: Record<string, string> | undefined;
}): Part {
  const meta = metadata ?? {};
  if (meta[META.part] === 'text') return { text: body.toString('utf8') };
  const mimeRaw = meta[META.mime];
  const nameRaw = meta[META.displayName];
  const mimeType = mimeRaw !== undefined ? safeDecode(mimeRaw) : (contentType ?? DEFAULT_MIME);
  const inlineData: NonNullable<Part['inlineData']> = {
    data: encodeBase64(body, meta[META.base64]),
    mimeType,
  };
  if (nameRaw !== undefined) inlineData.displayName = safeDecode(nameRaw);
  return { inlineData };
}

/** What a stored version's metadata says about it (from a HEAD: no body read). */
export function decodeVersionInfo({
  version,
  contentType,
  contentLength,
  metadata,
  lastModified,
}: {
  version: number;
  contentType: string | undefined;
  contentLength: number | undefined;
  metadata: Record<string, string> | undefined;
  lastModified: Date | undefined;
}): ArtifactVersion {
  const meta = metadata ?? {};
  const mimeRaw = meta[META.mime];
  const mimeType =
    meta[META.part] === 'text'
      ? TEXT_CONTENT_TYPE
      : mimeRaw !== undefined
        ? safeDecode(mimeRaw)
        : (contentType ?? DEFAULT_MIME);
  const size = Number(meta[META.size] ?? contentLength ?? 0);
  const created = Number(meta[META.created]);
  return {
    version,
    mimeType,
    sizeBytes: Number.isSafeInteger(size) && size >= 0 ? size : 0,
    createTime: Number.isFinite(created) ? created : (lastModified?.getTime() ?? 0),
    customMetadata: parseCustom(meta[META.custom]),
  };
}

function parseCustom(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {}; // written by something else: not ours to interpret
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
