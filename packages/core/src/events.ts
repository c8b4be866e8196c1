import type { Content, LiveServerSessionResumptionUpdate, Transcription, UsageMetadata } from '@google/genai';
import { randomEventId } from './event-id.js';

/** Side effects an event carries; applied by `SessionService.appendEvent`. */
export interface EventActions {
  /** State changes; keys follow the `app:` / `user:` / `temp:` prefix rules (see `state.ts`). */
  stateDelta: Record<string, unknown>;
  /** Artifacts written by this event: filename → version. */
  artifactDelta: Record<string, number>;
  /** Hand the live conversation to the named agent. */
  transferToAgent?: string;
  /** End the current agent's turn and return control upward. */
  escalate?: boolean;
}

/** One thing that happened in a live run: yielded to the caller and, per policy, persisted. */
export interface Event {
  id: string;
  invocationId: string;
  /** `'user'` or the name of the agent that produced the event. */
  author: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  actions: EventActions;
  content?: Content;
  partial?: boolean;
  turnComplete?: boolean;
  interrupted?: boolean;
  generationComplete?: boolean;
  errorCode?: string;
  errorMessage?: string;
  usageMetadata?: UsageMetadata;
  inputTranscription?: Transcription;
  outputTranscription?: Transcription;
  liveSessionResumptionUpdate?: LiveServerSessionResumptionUpdate;
  customMetadata?: Record<string, unknown>;
  branch?: string;
}

export type EventInit = Partial<Omit<Event, 'actions'>> & {
  author: string;
  actions?: Partial<EventActions>;
};

export function createEventActions(init: Partial<EventActions> = {}): EventActions {
  return { ...init, stateDelta: { ...init.stateDelta }, artifactDelta: { ...init.artifactDelta } };
}

/** Builds an event, filling `id` (a random UUID), `timestamp` (now) and empty `actions`. */
export function createEvent(init: EventInit): Event {
  const { actions, ...rest } = init;
  return {
    ...rest,
    id: init.id ?? randomEventId(),
    invocationId: init.invocationId ?? '',
    timestamp: init.timestamp ?? Date.now(),
    actions: createEventActions(actions),
  };
}

/** A fresh invocation id for one `runLive` call. */
export function newInvocationId(): string {
  return `e-${randomEventId()}`;
}

/** True when the event's content has a function call or a function response part. */
export function hasToolParts(event: Event): boolean {
  return event.content?.parts?.some((p) => p.functionCall || p.functionResponse) ?? false;
}
