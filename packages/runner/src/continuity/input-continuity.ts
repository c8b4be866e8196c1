import { createEvent, type Event } from '@earshot/core';
import type { LiveServerSessionResumptionUpdate } from '@google/genai';
import type { LiveConnection } from '../connection/live-model.js';
import { InputLedger, type InputReplayOptions, type Unconfirmed } from './input-ledger.js';
import { TrackedConnection } from './tracked-connection.js';

/** `errorCode` of the non-fatal, unpersisted event reporting input that may not have reached the model. */
export const LIVE_INPUT_UNCONFIRMED = 'LIVE_INPUT_UNCONFIRMED';

/**
 * Exactly-once input across a run's connections to one Gemini session (see `InputLedger`):
 * every connection is tracked so its client messages are numbered as the Live API numbers
 * them; resumption handles confirm what the session consumed; a resumed connection first gets
 * what was not confirmed (transparent resumption), or the run reports it (otherwise).
 */
export class InputContinuity {
  private readonly ledger: InputLedger;

  constructor(options: { transparent: boolean; limits: Required<InputReplayOptions> }) {
    this.ledger = new InputLedger(options);
  }

  /** Payload bytes held for resending at most, so far (the bench reads it). */
  get peakBytes(): number {
    return this.ledger.peakBytes;
  }

  track(connection: LiveConnection, id: number): TrackedConnection {
    return new TrackedConnection(connection, id, (send, tracked, index) =>
      this.ledger.noteSent(send, tracked.id, index),
    );
  }

  /** A new resumable handle arrived on `connection` (the current one). */
  confirmed(connection: number, update: LiveServerSessionResumptionUpdate): void {
    this.ledger.confirm(connection, indexOf(update.lastConsumedClientMessageIndex));
  }

  /**
   * `connection` resumes the session from a handle of generation `resumedGeneration`: resends
   * the unconfirmed messages in order (those it cannot send stay for the next connection) and
   * returns what may have been lost.
   */
  resumeOn(connection: TrackedConnection, resumedGeneration: number): Unconfirmed {
    const { resend, unconfirmed } = this.ledger.takeForResume(resumedGeneration);
    for (const [at, send] of resend.entries()) {
      if (connection.send(send)) continue;
      // Closed already: what is left waits, unnumbered, for the next resumed connection.
      for (const rest of resend.slice(at)) this.ledger.noteSent(rest, -1, Number.POSITIVE_INFINITY);
      break;
    }
    return unconfirmed;
  }

  /** A new Gemini session starts (a transfer): nothing sent to the previous one is owed. */
  newSession(): void {
    this.ledger.clear();
  }
}

/** The report of a drop, if anything may have been lost. */
export function unconfirmedEvent(
  unconfirmed: Unconfirmed,
  base: { invocationId: string; author: string },
): Event | undefined {
  if (unconfirmed.messages === 0) return undefined;
  const audioMs = Math.round(unconfirmed.audioMs);
  return createEvent({
    ...base,
    errorCode: LIVE_INPUT_UNCONFIRMED,
    errorMessage: `${unconfirmed.messages} input message(s) (${audioMs} ms of audio) sent before the connection dropped may not have reached the model`,
    customMetadata: { unconfirmedMessages: unconfirmed.messages, unconfirmedAudioMs: audioMs },
  });
}

/** `lastConsumedClientMessageIndex` is an int64: a decimal string on the wire (a number is taken too). */
function indexOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}
