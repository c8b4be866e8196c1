import { ClosedError, InvalidArgumentError } from '@earshot/core';
import type { LiveRequestQueue } from '@earshot/runner';
import { BRIDGE_ERROR_CODES, type BridgeErrorCode, INPUT_AUDIO_MIME_TYPE } from '../protocol.js';
import { parseClientFrame } from './client-frame.js';
import type { BridgeLimits } from './limits.js';

/** What the caller does with a frame that was refused (an `error` frame, non-fatal). */
export type RefuseFrame = (code: BridgeErrorCode, message: string) => void;

/**
 * Forwards one client frame into the run's queue: binary → 16 kHz PCM audio, text → the JSON
 * frame it names. Bad frames are refused with a typed code and change nothing. Never throws.
 */
export function forwardClientFrame(
  data: Buffer,
  isBinary: boolean,
  queue: LiveRequestQueue,
  limits: BridgeLimits,
  refuse: RefuseFrame,
): void {
  if (isBinary) {
    if (data.length === 0 || data.length % 2 !== 0) {
      refuse(
        BRIDGE_ERROR_CODES.invalidArgument,
        `audio frames are PCM16: an even, non-zero byte count, got ${data.length}`,
      );
      return;
    }
    if (data.length > limits.maxAudioFrameBytes) {
      refuse(
        BRIDGE_ERROR_CODES.invalidArgument,
        `audio frame is ${data.length} bytes; the limit is ${limits.maxAudioFrameBytes}`,
      );
      return;
    }
    send(
      () => queue.sendRealtime({ data: data.toString('base64'), mimeType: INPUT_AUDIO_MIME_TYPE }),
      refuse,
    );
    return;
  }
  const parsed = parseClientFrame(data.toString('utf8'), limits);
  if (!parsed.ok) {
    refuse(parsed.code, parsed.message);
    return;
  }
  const { frame } = parsed;
  switch (frame.type) {
    case 'activityStart':
      send(() => queue.sendActivityStart(), refuse);
      return;
    case 'activityEnd':
      send(() => queue.sendActivityEnd(), refuse);
      return;
    case 'text':
      send(() => queue.sendContent({ role: 'user', parts: [{ text: frame.text }] }), refuse);
      return;
    case 'image':
      send(() => queue.sendRealtime({ mimeType: frame.mimeType, data: frame.data }), refuse, true);
      return;
  }
}

function send(sending: () => void, refuse: RefuseFrame, image = false): void {
  try {
    sending();
  } catch (error) {
    if (error instanceof ClosedError)
      refuse(BRIDGE_ERROR_CODES.closed, 'the conversation takes no more input');
    else if (error instanceof InvalidArgumentError && image) {
      refuse(BRIDGE_ERROR_CODES.imageRefused, `the runner refused the image: ${error.message}`);
    } else if (error instanceof InvalidArgumentError)
      refuse(BRIDGE_ERROR_CODES.invalidArgument, error.message);
    else throw error;
  }
}
