import type { Event, Session, SessionService } from '@earshot/core';
import type { Content } from '@google/genai';
import { BoundedTranscript, type TranscriptLimits } from './bounded-transcript.js';

/** Longest tool arguments or result rendered into a context line. */
const MAX_TOOL_JSON_CHARS = 500;

/**
 * The conversation stored in a session, as context for a new Gemini session: the newest
 * persisted events within the limits (only that many are read), as text turns. Final
 * transcriptions and text are said by their speaker; tool calls and results are rendered as
 * text lines (a function call or response part in `clientContent` would have to match a call
 * the new session never made). Audio, files and partials are left out.
 */
export async function loadSessionContext(request: {
  sessionService: SessionService;
  appName: string;
  session: Session;
  limits: Required<TranscriptLimits>;
}): Promise<Content[]> {
  const { sessionService, appName, session, limits } = request;
  if (limits.maxEvents === 0 || limits.maxChars === 0) return [];
  const stored = await sessionService.getSession({
    appName,
    userId: session.userId,
    sessionId: session.id,
    config: { numRecentEvents: limits.maxEvents },
  });
  return contextTurns(stored?.events ?? [], limits);
}

export function contextTurns(events: readonly Event[], limits: Required<TranscriptLimits>): Content[] {
  const transcript = new BoundedTranscript(limits);
  for (const event of events) noteEvent(transcript, event, { withTools: true });
  return transcript.turns();
}

/** Adds what an event said to a transcript (tool lines only when asked). */
export function noteEvent(transcript: BoundedTranscript, event: Event, { withTools = false } = {}): void {
  if (event.partial) return;
  if (event.inputTranscription?.text) transcript.add('user', event.inputTranscription.text);
  if (event.outputTranscription?.text) transcript.add('model', event.outputTranscription.text);
  const role = event.content?.role === 'model' ? 'model' : 'user';
  let text = '';
  for (const part of event.content?.parts ?? []) {
    if (typeof part.text === 'string' && !part.thought) text += part.text;
    else if (withTools && part.functionCall) {
      const { name, args } = part.functionCall;
      transcript.add('model', `[tool call] ${name}(${clipped(args ?? {})})`);
    } else if (withTools && part.functionResponse) {
      const { name, response } = part.functionResponse;
      transcript.add('user', `[tool result] ${name}: ${clipped(response ?? {})}`);
    }
  }
  if (text) transcript.add(role, text);
}

function clipped(value: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(value) ?? '';
  } catch {
    json = '"[unserializable]"';
  }
  return json.length > MAX_TOOL_JSON_CHARS ? `${json.slice(0, MAX_TOOL_JSON_CHARS)}…` : json;
}
