import { randomUUID } from 'node:crypto';
import { type AudioFlushReason, createEvent, type Event, type EventInit } from '@earshot/core';
import type { FunctionCall, LiveServerContent, Part, Transcription } from '@google/genai';
import type { LiveModelMessage } from '../connection/live-model.js';
import { assertWellFormedMessage } from './server-message-validation.js';
import {
  BoundedTurnText,
  DEFAULT_MAX_TURN_TEXT_CHARS,
  TranscriptionAccumulator,
} from './transcription-accumulator.js';

/** `customMetadata` key set to true on a final cut at the turn-text bound. */
export const TRUNCATED_METADATA_KEY = 'earshot:truncated';

/** One event to emit, plus what the runner must do right after emitting it. */
export interface MappedEvent {
  event: Event;
  /** On the turn-signal event: why the audio recorder flushes after it. */
  boundary?: AudioFlushReason;
  /** On the function-call event: the calls to run now. */
  toolCalls?: FunctionCall[];
}

export interface MappedMessage {
  /** In the order they happened. */
  events: MappedEvent[];
  /** Calls the model withdrew. */
  cancelledCallIds: string[];
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
      events.push({ event: this.agentEvent({ content: { role: 'model', parts } }), toolCalls: calls });
    }
    if (message.usageMetadata)
      events.push({ event: this.agentEvent({ usageMetadata: message.usageMetadata }) });
    if (message.sessionResumptionUpdate) {
      const update = message.sessionResumptionUpdate;
      events.push({ event: this.agentEvent({ liveSessionResumptionUpdate: update }) });
    }
    return { events, cancelledCallIds: message.toolCallCancellation?.ids ?? [] };
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
    for (const part of content.modelTurn?.parts ?? []) this.mapPart(part, content.modelTurn?.role, events);
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
    events.push({ event: this.agentEvent(signal), boundary });
  }

  private mapPart(part: Part, role: string | undefined, events: MappedEvent[]): void {
    const content = { role: role ?? 'model', parts: [part] };
    if (typeof part.text === 'string' && part.inlineData === undefined) {
      // Text streams like a transcription: deltas now, the whole text at the end of the turn.
      const reachedBound = !part.thought && this.pendingText.append(part.text);
      events.push({ event: this.agentEvent({ content, partial: true }) });
      if (reachedBound) this.flushText(events, true);
      return;
    }
    // Audio (and anything else) passes through untouched: the base64 payload is never decoded.
    events.push({ event: this.agentEvent({ content }) });
  }

  private mapTranscription(direction: 'input' | 'output', frame: Transcription, events: MappedEvent[]): void {
    const accumulator = direction === 'input' ? this.inputTranscription : this.outputTranscription;
    const step = accumulator.add(frame);
    if (step.partial) events.push({ event: this.transcriptionEvent(direction, step.partial, true) });
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
    events.push({ event });
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
    const event = this.agentEvent({ content: { role: 'model', parts: [{ text }] }, partial: false });
    if (truncated) event.customMetadata = { [TRUNCATED_METADATA_KEY]: true };
    events.push({ event });
  }

  /** Built field by field rather than through `createEvent`: this runs once per audio chunk. */
  private agentEvent(init: Omit<EventInit, 'author' | 'actions'>): Event {
    const event: Event = {
      id: randomUUID(),
      invocationId: this.invocationId,
      author: this.agentName,
      timestamp: Date.now(),
      actions: { stateDelta: {}, artifactDelta: {} },
    };
    return Object.assign(event, init);
  }
}

function boundaryOf(content: LiveServerContent): AudioFlushReason | undefined {
  if (content.interrupted) return 'interrupted';
  if (content.turnComplete) return 'turnComplete';
  if (content.generationComplete) return 'generationComplete';
  return undefined;
}
