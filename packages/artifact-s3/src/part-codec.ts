import type { Part } from '@earshot/core';
import { InvalidArgumentError } from '@earshot/core';

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
} as const;

export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';
const DEFAULT_MIME = 'application/octet-stream';
// S3 allows 2 KB of user metadata (keys + values); stay clear of it.
const MAX_METADATA_BYTES = 1800;
// A mime type S3 returns byte for byte as `Content-Type`: printable ASCII, no outer spaces.
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

type Base64Variant = 'nopad' | 'url' | 'url-pad';

export interface EncodedPart {
  body: Buffer;
  contentType: string;
  metadata: Record<string, string>;
}

export function encodePart({ part, saveId }: { part: Part; saveId: string }): EncodedPart {
  const metadata: Record<string, string> = { [META.saveId]: saveId };
  let encoded: EncodedPart;
  if (part.inlineData !== undefined) {
    const { data = '', mimeType = DEFAULT_MIME, displayName } = part.inlineData;
    const { body, variant } = decodeBase64(data);
    if (variant) metadata[META.base64] = variant;
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
      'artifact.inlineData mimeType/displayName are too long to store as S3 metadata (2 KB limit)',
      { field: 'artifact.inlineData' },
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

/**
 * Decodes base64 and remembers which spelling the caller used (padding, URL alphabet), so the
 * load returns the very same string. Anything that is not clean base64 is rejected rather than
 * silently altered (Node's decoder skips characters it does not know).
 */
function decodeBase64(data: string): { body: Buffer; variant: Base64Variant | undefined } {
  const body = Buffer.from(data, 'base64');
  const standard = body.toString('base64');
  if (standard === data) return { body, variant: undefined };
  if (standard.replace(/=+$/, '') === data) return { body, variant: 'nopad' };
  const url = body.toString('base64url');
  if (url === data) return { body, variant: 'url' };
  if (`${url}${'='.repeat((4 - (url.length % 4)) % 4)}` === data) return { body, variant: 'url-pad' };
  throw new InvalidArgumentError('artifact.inlineData.data is not valid base64', {
    field: 'artifact.inlineData.data',
  });
}

function encodeBase64(body: Buffer, variant: string | undefined): string {
  switch (variant) {
    case 'nopad':
      return body.toString('base64').replace(/=+$/, '');
    case 'url':
      return body.toString('base64url');
    case 'url-pad': {
      const url = body.toString('base64url');
      return `${url}${'='.repeat((4 - (url.length % 4)) % 4)}`;
    }
    default:
      return body.toString('base64');
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
