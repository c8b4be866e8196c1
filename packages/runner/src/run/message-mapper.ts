import { type AudioFlushReason, createEvent, type Event, type EventInit, randomEventId } from '@earshot/core';
import type { Content, FunctionCall, LiveServerContent, Part, Transcription } from '@google/genai';
import type { LiveModelMessage } from '../connection/live-model.js';
import { assertWellFormedMessage } from './server-message-validation.js';
import {
  BoundedTurnText,
  DEFAULT_MAX_TURN_TEXT_CHARS,
  TranscriptionAccumulator,
} from './transcription-accumulator.js';

/** `customMetadata` key set to true on a final cut at the turn-text bound. */
export const TRUNCATED_METADATA_KEY = 'earshot:truncated';

/** Shared by every message without cancellations (never mutated). */
const NO_IDS: string[] = [];

// Everything built per server message here is a class instance, not an object literal: V8
// pretenures literal allocation sites whose objects often outlive a scavenge (an event waits
// for the caller's next read), and one such object in the old generation keeps the message it
// references (its base64 audio) alive until a full GC. At a few hundred sessions per core that
// turned every audio message into old-generation garbage.

/** One event to emit, plus what the runner must do right after emitting it. */
export class MappedEvent {
  constructor(
    readonly event: Event,
    /** On the turn-signal event: why the audio recorder flushes after it. */
    readonly boundary?: AudioFlushReason,
    /** On the function-call event: the calls to run now. */
    readonly toolCalls?: FunctionCall[],
  ) {}
}

export class MappedMessage {
  constructor(
    /** In the order they happened. */
    readonly events: MappedEvent[],
    /** Calls the model withdrew. */
    readonly cancelledCallIds: string[],
  ) {}
}

class Actions {
  stateDelta: Record<string, unknown> = {};
  artifactDelta: Record<string, number> = {};
}

/** An event authored by the agent: the fields every event has; the rest is assigned after. */
class AgentEvent implements Event {
  id = randomEventId();
  timestamp = Date.now();
  actions = new Actions();
  constructor(
    public invocationId: string,
    public author: string,
  ) {}
}

class ModelContent implements Content {
  constructor(
    public role: string,
    public parts: Part[],
  ) {}
}

/**
 * Turns server messages into events, socket-free. Stateful across messages: transcription
 * deltas and text chunks accumulate over a turn and their finals come out on `finished` or at
 * the next turn signal, before the turn-signal event.
 */
export class LiveMessageMapper {
  /** The agent speaking; authors everything except input transcriptions. */
  agentName: string;
  private readonly invocationId: string;
  private readonly inputTranscription: TranscriptionAccumulator;
  private readonly outputTranscription: TranscriptionAccumulator;
  private readonly pendingText: BoundedTurnText;

  constructor({
    invocationId,
    agentName,
    maxTurnTextChars = DEFAULT_MAX_TURN_TEXT_CHARS,
  }: {
    invocationId: string;
    agentName: string;
    /** Bound of each accumulated final (transcriptions, model text); see `BoundedTurnText`. */
    maxTurnTextChars?: number;
  }) {
    this.invocationId = invocationId;
    this.agentName = agentName;
    this.inputTranscription = new TranscriptionAccumulator(maxTurnTextChars);
    this.outputTranscription = new TranscriptionAccumulator(maxTurnTextChars);
    this.pendingText = new BoundedTurnText(maxTurnTextChars);
  }

  /** Maps one message; throws `LiveProtocolError` (and maps nothing) when it is malformed. */
  map(message: LiveModelMessage): MappedMessage {
    assertWellFormedMessage(message);
    const events: MappedEvent[] = [];
    if (message.serverContent) this.mapServerContent(message.serverContent, events);
    const calls = message.toolCall?.functionCalls;
    if (calls && calls.length > 0) {
      this.flushText(events);
      const parts: Part[] = calls.map((functionCall) => ({ functionCall }));
      events.push(
        new MappedEvent(this.agentEvent({ content: new ModelContent('model', parts) }), undefined, calls),
      );
    }
    if (message.usageMetadata)
      events.push(new MappedEvent(this.agentEvent({ usageMetadata: message.usageMetadata })));
    if (message.sessionResumptionUpdate) {
      const update = message.sessionResumptionUpdate;
      events.push(new MappedEvent(this.agentEvent({ liveSessionResumptionUpdate: update })));
    }
    return new MappedMessage(events, message.toolCallCancellation?.ids ?? NO_IDS);
  }

  /**
   * Ends the turn in progress without a turn signal (an agent transfer): the finals of what was
   * transcribed or written so far, in the order a turn signal would emit them.
   */
  finishTurn(): Event[] {
    const events: MappedEvent[] = [];
    this.pushFinal('input', this.inputTranscription.finishTurn(), events);
    this.pushFinal('output', this.outputTranscription.finishTurn(), events);
    this.flushText(events);
    return events.map(({ event }) => event);
  }

  private mapServerContent(content: LiveServerContent, events: MappedEvent[]): void {
    if (content.inputTranscription) this.mapTranscription('input', content.inputTranscription, events);
    const parts = content.modelTurn?.parts;
    if (parts) for (const part of parts) this.mapPart(part, parts, content.modelTurn?.role, events);
    if (content.outputTranscription) this.mapTranscription('output', content.outputTranscription, events);
    const boundary = boundaryOf(content);
    if (!boundary) return;
    this.pushFinal('input', this.inputTranscription.finishTurn(), events);
    this.pushFinal('output', this.outputTranscription.finishTurn(), events);
    this.flushText(events);
    const signal: Omit<EventInit, 'author' | 'actions'> = {};
    if (content.turnComplete) signal.turnComplete = true;
    if (content.interrupted) signal.interrupted = true;
    if (content.generationComplete) signal.generationComplete = true;
    events.push(new MappedEvent(this.agentEvent(signal), boundary));
  }

  private mapPart(part: Part, parts: Part[], role: string | undefined, events: MappedEvent[]): void {
    // One part (audio, always): the message's own parts array, not a copy.
    const content = new ModelContent(role ?? 'model', parts.length === 1 ? parts : [part]);
    if (typeof part.text === 'string' && part.inlineData === undefined) {
      // Text streams like a transcription: deltas now, the whole text at the end of the turn.
      const reachedBound = !part.thought && this.pendingText.append(part.text);
      events.push(new MappedEvent(this.agentEvent({ content, partial: true })));
      if (reachedBound) this.flushText(events, true);
      return;
    }
    // Audio (and anything else) passes through untouched: the base64 payload is never decoded.
    events.push(new MappedEvent(this.agentEvent({ content })));
  }

  private mapTranscription(direction: 'input' | 'output', frame: Transcription, events: MappedEvent[]): void {
    const accumulator = direction === 'input' ? this.inputTranscription : this.outputTranscription;
    const step = accumulator.add(frame);
    if (step.partial) events.push(new MappedEvent(this.transcriptionEvent(direction, step.partial, true)));
    this.pushFinal(direction, step.final, events, step.truncated);
  }

  private pushFinal(
    direction: 'input' | 'output',
    final: Transcription | undefined,
    events: MappedEvent[],
    truncated = false,
  ): void {
    if (!final) return;
    const event = this.transcriptionEvent(direction, final, false);
    if (truncated) event.customMetadata = { [TRUNCATED_METADATA_KEY]: true };
    events.push(new MappedEvent(event));
  }

  private transcriptionEvent(
    direction: 'input' | 'output',
    transcription: Transcription,
    partial: boolean,
  ): Event {
    if (direction === 'input') {
      return createEvent({
        invocationId: this.invocationId,
        author: 'user',
        inputTranscription: transcription,
        partial,
      });
    }
    return this.agentEvent({ outputTranscription: transcription, partial });
  }

  /** The accumulated model text as one final event; `truncated` when cut at the bound (mid-turn). */
  private flushText(events: MappedEvent[], truncated = false): void {
    const text = this.pendingText.take();
    if (!truncated) this.pendingText.reset();
    if (text.length === 0) return;
    const event = this.agentEvent({ content: new ModelContent('model', [{ text }]), partial: false });
    if (truncated) event.customMetadata = { [TRUNCATED_METADATA_KEY]: true };
    events.push(new MappedEvent(event));
  }

  /** Built field by field rather than through `createEvent`: this runs once per audio chunk. */
  private agentEvent(init: Omit<EventInit, 'author' | 'actions'>): Event {
    return Object.assign(new AgentEvent(this.invocationId, this.agentName), init);
  }
}

function boundaryOf(content: LiveServerContent): AudioFlushReason | undefined {
  if (content.interrupted) return 'interrupted';
  if (content.turnComplete) return 'turnComplete';
  if (content.generationComplete) return 'generationComplete';
  return undefined;
}
