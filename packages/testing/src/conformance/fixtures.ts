import { createEvent, type Event, type EventInit } from '@earshot/core';

/** Ids that must be accepted and kept apart by every backend (encoding, never rejection). */
export const TRICKY_IDS = [
  'a:b',
  'a/b',
  '{tag}',
  'star*',
  'sp ace',
  'pct%3A',
  'ünï-çødé-🎧',
  'user',
  '..',
  'a%2Fb',
] as const;

/** Ids every backend must reject with `InvalidArgumentError`. */
export const INVALID_IDS = [
  '',
  'nul\u0000byte',
  'new\nline',
  'tab\there',
  'del\u007f',
  'x'.repeat(300),
] as const;

let clock = 1_700_000_000_000;

/** An event with a strictly increasing timestamp unless one is given. */
export function testEvent(init: Partial<EventInit> = {}): Event {
  clock += 10;
  return createEvent({
    invocationId: 'e-conformance',
    author: 'agent',
    timestamp: clock,
    content: { role: 'model', parts: [{ text: `event at ${clock}` }] },
    ...init,
  });
}

/** Bytes 0..255 repeated: catches any text/encoding mangling of binary payloads. */
export function allBytes(length = 1024): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = i % 256;
  return out;
}
