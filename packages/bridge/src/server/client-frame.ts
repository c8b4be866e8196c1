import {
  BRIDGE_ERROR_CODES,
  type BridgeErrorCode,
  type ClientFrame,
  IMAGE_MIME_TYPES,
  type ImageMimeType,
} from '../protocol.js';
import type { BridgeLimits } from './limits.js';

export type ParsedClientFrame =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: BridgeErrorCode; message: string };

const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;
const bad = (code: BridgeErrorCode, message: string): ParsedClientFrame => ({ ok: false, code, message });

/** Parses and checks one text frame from a client. Never throws. */
export function parseClientFrame(text: string, limits: BridgeLimits): ParsedClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad(BRIDGE_ERROR_CODES.badJson, 'text frames must be JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return bad(BRIDGE_ERROR_CODES.badJson, 'text frames must be JSON objects');
  }
  const frame = value as Record<string, unknown>;
  switch (frame.type) {
    case 'activityStart':
    case 'activityEnd':
      return { ok: true, frame: { type: frame.type } };
    case 'text': {
      const { text: said } = frame;
      if (typeof said !== 'string' || said.trim().length === 0) {
        return bad(BRIDGE_ERROR_CODES.invalidArgument, 'text.text must be a non-empty string');
      }
      if (said.length > limits.maxTextChars) {
        return bad(
          BRIDGE_ERROR_CODES.invalidArgument,
          `text.text is ${said.length} characters; the limit is ${limits.maxTextChars}`,
        );
      }
      if (!said.isWellFormed())
        return bad(BRIDGE_ERROR_CODES.invalidArgument, 'text.text has a lone surrogate');
      return { ok: true, frame: { type: 'text', text: said } };
    }
    case 'image': {
      const { mimeType, data } = frame;
      if (typeof mimeType !== 'string' || !(IMAGE_MIME_TYPES as readonly string[]).includes(mimeType)) {
        return bad(
          BRIDGE_ERROR_CODES.invalidArgument,
          `image.mimeType must be one of ${IMAGE_MIME_TYPES.join(', ')}`,
        );
      }
      if (
        typeof data !== 'string' ||
        data.length === 0 ||
        data.length % 4 !== 0 ||
        !BASE64_CHARS.test(data)
      ) {
        return bad(
          BRIDGE_ERROR_CODES.invalidArgument,
          'image.data must be a non-empty standard base64 string',
        );
      }
      return { ok: true, frame: { type: 'image', mimeType: mimeType as ImageMimeType, data } };
    }
    default:
      return bad(
        BRIDGE_ERROR_CODES.unknownType,
        `unknown frame type ${JSON.stringify(String(frame.type)).slice(0, 60)}; expected activityStart, activityEnd, text or image`,
      );
  }
}
