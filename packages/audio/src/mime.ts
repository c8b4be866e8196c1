import { InvalidArgumentError } from '@earshot/core';

/** Rate assumed for `audio/pcm` input chunks without a `rate` parameter (what Gemini Live expects). */
export const DEFAULT_INPUT_SAMPLE_RATE = 16_000;
/** Rate assumed for `audio/pcm` output chunks without a `rate` parameter (what Gemini Live sends). */
export const DEFAULT_OUTPUT_SAMPLE_RATE = 24_000;
/** Accepted `rate` values, in Hz. */
export const MIN_SAMPLE_RATE = 1_000;
export const MAX_SAMPLE_RATE = 768_000;
/** Accepted `channels` values. */
export const MAX_CHANNELS = 8;

interface MimeBase {
  /** Lower-cased `type/subtype`, e.g. `audio/pcm`. */
  essence: string;
  /** Lower-cased subtype, e.g. `pcm`, `ogg`. */
  subtype: string;
  /** Parameters: names lower-cased, values unquoted; the first occurrence of a name wins. */
  parameters: Readonly<Record<string, string>>;
}

/**
 * A parsed audio mime type. `audio/pcm` is signed 16-bit little-endian PCM (the Gemini Live
 * format); every other audio type is "encoded" and kept as-is.
 */
export type AudioMimeType =
  | (MimeBase & {
      isPcm: true;
      sampleRate: number;
      channels: number;
      /** `'default'` when the mime type had no `rate` and the default was used. */
      sampleRateSource: 'mime' | 'default';
    })
  | (MimeBase & { isPcm: false });

export interface ParseAudioMimeTypeOptions {
  /** Rate for `audio/pcm` without a `rate` parameter. Default: {@link DEFAULT_INPUT_SAMPLE_RATE}. */
  defaultSampleRate?: number;
}

// RFC 9110 token characters.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const WHITESPACE = /\s/;

/**
 * Parses an audio mime type such as `audio/pcm;rate=16000` (RFC 9110 media type syntax: case
 * insensitive type and parameter names, optional whitespace, quoted values). A missing or empty
 * mime type means `audio/pcm`. Throws `InvalidArgumentError` for malformed, non-audio types or
 * an out-of-range `rate` / `channels`.
 */
export function parseAudioMimeType(
  mimeType: string | undefined,
  options: ParseAudioMimeTypeOptions = {},
): AudioMimeType {
  const text = (mimeType ?? '').trim();
  const source = text === '' ? 'audio/pcm' : text;
  const semicolon = source.indexOf(';');
  const essenceText = (semicolon < 0 ? source : source.slice(0, semicolon)).trim();
  const slash = essenceText.indexOf('/');
  const type = essenceText.slice(0, slash).trim().toLowerCase();
  const subtype = essenceText
    .slice(slash + 1)
    .trim()
    .toLowerCase();
  if (slash < 0 || !TOKEN.test(type) || !TOKEN.test(subtype)) {
    throw invalidMime(mimeType, 'expected type/subtype');
  }
  if (type !== 'audio') throw invalidMime(mimeType, 'not an audio type');
  const parameters = semicolon < 0 ? {} : parseParameters(source.slice(semicolon + 1), mimeType);
  const base: MimeBase = { essence: `${type}/${subtype}`, subtype, parameters };
  if (subtype !== 'pcm') return { ...base, isPcm: false };

  const rateText = parameters.rate;
  const sampleRate =
    rateText === undefined
      ? (options.defaultSampleRate ?? DEFAULT_INPUT_SAMPLE_RATE)
      : parseIntegerParameter(mimeType, 'rate', rateText, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE);
  const channels =
    parameters.channels === undefined
      ? 1
      : parseIntegerParameter(mimeType, 'channels', parameters.channels, 1, MAX_CHANNELS);
  return {
    ...base,
    isPcm: true,
    sampleRate,
    channels,
    sampleRateSource: rateText === undefined ? 'default' : 'mime',
  };
}

/** `audio/pcm;rate=N` (plus `;channels=C` when not mono): the mime type of raw PCM recordings. */
export function pcmMimeType({ sampleRate, channels = 1 }: { sampleRate: number; channels?: number }): string {
  return channels === 1
    ? `audio/pcm;rate=${sampleRate}`
    : `audio/pcm;rate=${sampleRate};channels=${channels}`;
}

/** Canonical text of a parsed mime type: lower-cased essence, then its parameters in order. */
export function formatMimeType({ essence, parameters }: Pick<MimeBase, 'essence' | 'parameters'>): string {
  let text = essence;
  for (const [name, value] of Object.entries(parameters)) {
    text += `;${name}=${TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`}`;
  }
  return text;
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  pcm: 'pcm',
  wav: 'wav',
  wave: 'wav',
  'x-wav': 'wav',
  'vnd.wave': 'wav',
  ogg: 'ogg',
  opus: 'opus',
  mpeg: 'mp3',
  mp3: 'mp3',
  mpeg3: 'mp3',
  'x-mpeg-3': 'mp3',
  mp4: 'm4a',
  'x-m4a': 'm4a',
  aac: 'aac',
  'x-aac': 'aac',
  flac: 'flac',
  'x-flac': 'flac',
  webm: 'webm',
  l16: 'l16',
  basic: 'au',
  amr: 'amr',
  '3gpp': '3gp',
  aiff: 'aiff',
  'x-aiff': 'aiff',
};

/** File extension for an audio subtype: the usual one when known, else the subtype's letters and digits. */
export function extensionForSubtype(subtype: string): string {
  const known = EXTENSIONS[subtype];
  if (known !== undefined) return known;
  const cleaned = subtype.replace(/^x-/, '').replace(/[^a-z0-9]/g, '');
  return cleaned === '' ? 'bin' : cleaned.slice(0, 16);
}

function parseParameters(text: string, original: string | undefined): Record<string, string> {
  const parameters: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === ';' || WHITESPACE.test(text[i] ?? ''))) i++;
    if (i >= text.length) break;
    let end = i;
    while (end < text.length && text[end] !== '=' && text[end] !== ';') end++;
    const name = text.slice(i, end).trim().toLowerCase();
    if (!TOKEN.test(name)) throw invalidMime(original, `bad parameter name ${JSON.stringify(name)}`);
    if (text[end] !== '=') throw invalidMime(original, `parameter ${name} has no value`);
    i = end + 1;
    while (i < text.length && WHITESPACE.test(text[i] ?? '')) i++;
    let value: string;
    if (text[i] === '"') {
      value = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') i++;
        value += text[i] ?? '';
        i++;
      }
      if (text[i] !== '"') throw invalidMime(original, `unterminated quoted value of ${name}`);
      i++;
      while (i < text.length && text[i] !== ';') {
        if (!WHITESPACE.test(text[i] ?? ''))
          throw invalidMime(original, `text after quoted value of ${name}`);
        i++;
      }
    } else {
      end = i;
      while (end < text.length && text[end] !== ';') end++;
      value = text.slice(i, end).trim();
      i = end;
    }
    if (!(name in parameters)) parameters[name] = value;
  }
  return parameters;
}

function parseIntegerParameter(
  original: string | undefined,
  name: string,
  value: string,
  min: number,
  max: number,
): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) {
    throw invalidMime(
      original,
      `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function invalidMime(mimeType: string | undefined, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid audio mime type ${JSON.stringify(mimeType)}: ${why}`, {
    field: 'blob.mimeType',
  });
}
