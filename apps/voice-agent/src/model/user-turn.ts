import type { LiveClientFrame } from '@earshot/testing';

/** One user turn as the scripted model sees it: spoken (audio, push-to-talk) or typed. */
export type UserTurn = { kind: 'spoken' } | { kind: 'typed'; text: string };

/**
 * The user turn a client frame ends, if it ends one: `activityEnd` / `audioStreamEnd` end a
 * spoken turn; `realtimeInput.text` or a completed `clientContent` turn is typed text. The
 * runner's `turnComplete: false` context turns (history for a new Gemini session) end nothing.
 */
export function userTurnEndedBy(frame: LiveClientFrame): UserTurn | undefined {
  const realtime = frame.realtimeInput;
  if (realtime) {
    if (typeof realtime.text === 'string') return { kind: 'typed', text: realtime.text };
    if ('activityEnd' in realtime || realtime.audioStreamEnd === true) return { kind: 'spoken' };
    return undefined;
  }
  const content = frame.clientContent;
  if (content?.turnComplete !== true) return undefined;
  const text = (content.turns ?? [])
    .filter((turn) => turn.role === undefined || turn.role === 'user')
    .flatMap((turn) => turn.parts ?? [])
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .join('');
  return { kind: 'typed', text };
}

/** Whether the scripted model should look the time up for this turn (a spoken turn always asks). */
export function asksForTime(turn: UserTurn): boolean {
  return turn.kind === 'spoken' || /\b(time|clock|hour|o'clock)\b/i.test(turn.text);
}
