import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { InvalidArgumentError } from '@earshot/core';

/** How a caller spelled base64: standard or URL alphabet, with or without `=` padding. */
export type Base64Variant = 'std' | 'nopad' | 'url' | 'url-pad';

// Decode this many base64 characters between yields (a multiple of 4): 6 MiB of bytes, well
// under a millisecond with Node's SIMD decoder, so even a huge artifact never blocks a live
// session's event loop for long, and a typical one decodes without yielding at all.
const CHUNK_CHARS = 8 << 20;

/**
 * Decodes base64 into one exactly-sized buffer, in chunks with yields in between, and
 * proves the input is the canonical spelling of its variant, so that `encodeBase64` of the
 * result gives back the very same string. Node's decoder silently skips characters it does
 * not know and accepts both alphabets at once; anything that would not round-trip is rejected.
 */
export async function decodeBase64(
  data: string,
  alloc: (size: number) => Buffer = Buffer.allocUnsafe,
): Promise<{ bytes: Buffer; variant: Base64Variant }> {
  const variant = variantOf(data);
  const padded = variant === 'std' || variant === 'url-pad';
  const pad = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  const length = data.length;
  if ((padded && length % 4 !== 0) || (!padded && length % 4 === 1)) throw invalid();
  const size = padded ? (length / 4) * 3 - pad : Math.floor((length * 3) / 4);
  const bytes = alloc(size);
  let written = 0;
  for (let start = 0; start < length; start += CHUNK_CHARS) {
    if (start > 0) await yieldToEventLoop();
    const chunk = data.slice(start, start + CHUNK_CHARS);
    if (hasForeignAlphabet(chunk, variant)) throw invalid();
    written += bytes.write(chunk, written, 'base64');
  }
  // A skipped character, a `=` inside, or leftover bits in the last group all show up here.
  if (written !== size || !tailIsCanonical(data, bytes, variant)) throw invalid();
  return { bytes, variant };
}

export function encodeBase64(bytes: Buffer, variant: Base64Variant | string | undefined): string {
  switch (variant) {
    case 'nopad':
      return bytes.toString('base64').replace(/=+$/, '');
    case 'url':
      return bytes.toString('base64url');
    case 'url-pad':
      return padTo4(bytes.toString('base64url'));
    default:
      return bytes.toString('base64');
  }
}

function variantOf(data: string): Base64Variant {
  const url = data.includes('-') || data.includes('_');
  const std = data.includes('+') || data.includes('/');
  if (url && std) throw invalid();
  const padded = data.endsWith('=') || data.length % 4 === 0;
  if (url) return padded ? 'url-pad' : 'url';
  return padded ? 'std' : 'nopad';
}

function hasForeignAlphabet(chunk: string, variant: Base64Variant): boolean {
  return variant === 'url' || variant === 'url-pad'
    ? chunk.includes('+') || chunk.includes('/')
    : chunk.includes('-') || chunk.includes('_');
}

/** Re-encodes the last 3-byte group only: the one place where two spellings decode alike. */
function tailIsCanonical(data: string, bytes: Buffer, variant: Base64Variant): boolean {
  if (bytes.length === 0) return data.length === 0;
  const groupStart = Math.floor((bytes.length - 1) / 3) * 3;
  const tail = encodeBase64(bytes.subarray(groupStart), variant);
  return data.slice((groupStart / 3) * 4) === tail;
}

function padTo4(value: string): string {
  return `${value}${'='.repeat((4 - (value.length % 4)) % 4)}`;
}

function invalid(): InvalidArgumentError {
  return new InvalidArgumentError('artifact.inlineData.data is not valid base64 (it would not round-trip)', {
    field: 'artifact.inlineData.data',
  });
}
