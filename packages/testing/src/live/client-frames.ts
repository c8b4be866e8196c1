import type { RawData } from 'ws';
import type { LiveClientFrame, LiveClientFramePredicate } from './types.js';

export type ParsedClientFrame =
  | { ok: true; frame: LiveClientFrame }
  | { ok: false; message: string; raw: string };

export function rawDataToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Client frames must be JSON objects (text or binary frames alike); anything else is a protocol error. */
export function parseClientFrame(data: RawData): ParsedClientFrame {
  const raw = rawDataToBuffer(data).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { ok: false, message: `malformed JSON: ${(error as Error).message}`, raw };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'frame is not a JSON object', raw };
  }
  return { ok: true, frame: value as LiveClientFrame };
}

/** Base64-decoded bytes of a frame's `realtimeInput.audio`, or undefined when it carries none. */
export function audioBytesOf(frame: LiveClientFrame): Buffer | undefined {
  const data = frame.realtimeInput?.audio?.data;
  return typeof data === 'string' ? Buffer.from(data, 'base64') : undefined;
}

/** Ready-made predicates for `waitFor`. */
export const clientFrameIs = {
  audio: (frame: LiveClientFrame): boolean => frame.realtimeInput?.audio !== undefined,
  activityStart: (frame: LiveClientFrame): boolean => frame.realtimeInput?.activityStart !== undefined,
  activityEnd: (frame: LiveClientFrame): boolean => frame.realtimeInput?.activityEnd !== undefined,
  audioStreamEnd: (frame: LiveClientFrame): boolean => frame.realtimeInput?.audioStreamEnd === true,
  realtimeText: (frame: LiveClientFrame): boolean => typeof frame.realtimeInput?.text === 'string',
  clientContent: (frame: LiveClientFrame): boolean => frame.clientContent !== undefined,
  toolResponse: (frame: LiveClientFrame): boolean => frame.toolResponse !== undefined,
  /** A tool response answering the call with this id. */
  toolResponseFor:
    (id: string): LiveClientFramePredicate =>
    (frame) =>
      frame.toolResponse?.functionResponses?.some((response) => response.id === id) === true,
};
