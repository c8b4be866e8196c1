import type { Event, Part } from '@earshot/core';
import type { WireEvent, WirePart } from '../protocol.js';

/** Decoded size of a standard base64 string, without decoding it. */
export function base64ByteLength(data: string): number {
  let padding = 0;
  if (data.endsWith('==')) padding = 2;
  else if (data.endsWith('=')) padding = 1;
  return Math.floor((data.length * 3) / 4) - padding;
}

function wirePart(part: Part): WirePart {
  if (part.inlineData === undefined) return part as WirePart;
  const { data, ...rest } = part.inlineData;
  return {
    ...part,
    inlineData: { ...rest, byteLength: typeof data === 'string' ? base64ByteLength(data) : 0 },
  };
}

/** The event as it goes on the wire: every `inlineData.data` removed. Copies only when needed. */
export function toWireEvent(event: Event): WireEvent {
  const parts = event.content?.parts;
  if (!parts?.some((p) => p.inlineData !== undefined)) return event as WireEvent;
  return { ...event, content: { ...event.content, parts: parts.map(wirePart) } };
}

const isAudio = (part: Part) => part.inlineData?.mimeType?.trim().toLowerCase().startsWith('audio/') === true;

/**
 * The base64 PCM of a model audio chunk, or undefined when the event is anything else. A chunk
 * is an agent event whose only content is audio `inlineData` and that carries nothing else the
 * page would show (these go down as binary frames, not as `event` frames).
 */
export function modelAudioOf(event: Event): string | undefined {
  if (event.author === 'user') return undefined;
  const parts = event.content?.parts;
  if (parts?.length !== 1) return undefined;
  const part = parts[0]!;
  if (!isAudio(part) || typeof part.inlineData?.data !== 'string') return undefined;
  if (event.turnComplete || event.interrupted || event.errorCode !== undefined) return undefined;
  if (event.inputTranscription || event.outputTranscription || event.usageMetadata) return undefined;
  return part.inlineData.data;
}
