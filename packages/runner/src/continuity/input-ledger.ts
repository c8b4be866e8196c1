import { InvalidArgumentError } from '@earshot/core';
import type { ClientSend } from './tracked-connection.js';

/** Runner option `inputReplay`: how much unconfirmed input a transparent run keeps for resending. */
export interface InputReplayOptions {
  /** Bytes of payload (base64 audio and frames, text) kept at most. Default 4 MiB (~95 s of 16 kHz audio). */
  maxBytes?: number;
  /** Messages older than this are not kept for resending. Default 60 000 ms. */
  maxAgeMs?: number;
}

export const DEFAULT_INPUT_REPLAY: Required<InputReplayOptions> = {
  maxBytes: 4 * 1024 * 1024,
  maxAgeMs: 60_000,
};

/** Messages (and the audio in them) that may not have reached the model. */
export interface Unconfirmed {
  messages: number;
  audioMs: number;
}

interface Entry {
  send: ClientSend;
  bytes: number;
  audioMs: number;
  sentAt: number;
  /** Where it was last sent: the connection's id and its index there. */
  connection: number;
  index: number;
}

export function inputReplayOptions(options: InputReplayOptions | undefined): Required<InputReplayOptions> {
  const merged = { ...DEFAULT_INPUT_REPLAY };
  for (const field of ['maxBytes', 'maxAgeMs'] as const) {
    const value = options?.[field];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`inputReplay.${field} must be a non-negative number`, {
        field: `inputReplay.${field}`,
      });
    }
    merged[field] = value;
  }
  return merged;
}

/**
 * What the run sent to the Gemini session since the last point the server confirmed. A
 * resumption handle confirms input: with `transparent` its `lastConsumedClientMessageIndex` says
 * exactly which messages of the connection it covers, and the rest is kept (bounded by bytes and
 * age) and resent on the resumed connection; without it only counts are kept, and what was sent
 * after the latest handle is reported as unconfirmed when the connection drops. What the bounds
 * push out of a transparent ledger can no longer be resent and is reported the same way.
 */
export class InputLedger {
  private readonly keepPayloads: boolean;
  private readonly limits: Required<InputReplayOptions>;
  private readonly now: () => number;
  private entries: Entry[] = [];
  private head = 0;
  private bytes = 0;
  /** Unconfirmed and not kept: counted since the last confirmation (or dropped by the bounds). */
  private uncountedMessages = 0;
  private uncountedAudioMs = 0;
  /** Where the newest of those was sent (connection -1: none), updated in place: no allocation per message. */
  private lastUncountedConnection = -1;
  private lastUncountedIndex = 0;
  private peak = 0;

  constructor(options: { transparent: boolean; limits: Required<InputReplayOptions>; now?: () => number }) {
    this.keepPayloads = options.transparent;
    this.limits = options.limits;
    this.now = options.now ?? Date.now;
  }

  /** Payload bytes held for resending right now, and the most ever held by this run. */
  get heldBytes(): number {
    return this.bytes;
  }
  get peakBytes(): number {
    return this.peak;
  }

  /** A message went out on `connection` as its `index`-th client message. */
  noteSent(send: ClientSend, connection: number, index: number): void {
    const audioMs = audioMsOf(send);
    if (!this.keepPayloads) {
      this.count(connection, index, audioMs);
      return;
    }
    const bytes = payloadBytes(send);
    this.entries.push({ send, bytes, audioMs, sentAt: this.now(), connection, index });
    this.bytes += bytes;
    this.evictOverBounds();
    if (this.bytes > this.peak) this.peak = this.bytes;
  }

  /**
   * A new resumption handle from `connection`: with an index, every message of that connection
   * up to it is in the session behind the handle; without one, everything sent so far counts as
   * in it (the best a non-transparent session tells).
   */
  confirm(connection: number, lastConsumed: number | undefined): void {
    if (lastConsumed === undefined || !this.keepPayloads) {
      this.clear();
      return;
    }
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head] as Entry;
      if (entry.connection !== connection || entry.index > lastConsumed) break;
      this.dropHead();
    }
    if (this.lastUncountedConnection === connection && this.lastUncountedIndex <= lastConsumed)
      this.resetUncounted();
  }

  /**
   * The connection dropped and a new one resumes the same session: the messages to send again
   * first, in order (tool answers only when the resumed session made the call), and what may be
   * lost: unconfirmed messages not kept. Both are forgotten here; the resent ones are noted again
   * as they go out.
   */
  takeForResume(resumedGeneration: number): { resend: ClientSend[]; unconfirmed: Unconfirmed } {
    this.evictOverBounds();
    const resend: ClientSend[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const { send } = this.entries[i] as Entry;
      if (send.kind !== 'toolResponse' || resumedGeneration > send.generation) resend.push(send);
    }
    const unconfirmed = { messages: this.uncountedMessages, audioMs: this.uncountedAudioMs };
    this.entries = [];
    this.head = 0;
    this.bytes = 0;
    this.resetUncounted();
    return { resend, unconfirmed };
  }

  /** A new Gemini session (a transfer): nothing sent to the old one matters any more. */
  clear(): void {
    this.entries = [];
    this.head = 0;
    this.bytes = 0;
    this.resetUncounted();
  }

  private evictOverBounds(): void {
    const oldest = this.now() - this.limits.maxAgeMs;
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head] as Entry;
      if (this.bytes <= this.limits.maxBytes && entry.sentAt >= oldest) break;
      this.dropHead();
      this.count(entry.connection, entry.index, entry.audioMs);
    }
  }

  private dropHead(): void {
    const entry = this.entries[this.head] as Entry;
    this.entries[this.head] = undefined as never;
    this.head += 1;
    this.bytes -= entry.bytes;
    // Compact once the dropped prefix dominates: amortised O(1) per message.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  private count(connection: number, index: number, audioMs: number): void {
    this.uncountedMessages += 1;
    this.uncountedAudioMs += audioMs;
    this.lastUncountedConnection = connection;
    this.lastUncountedIndex = index;
  }

  private resetUncounted(): void {
    this.uncountedMessages = 0;
    this.uncountedAudioMs = 0;
    this.lastUncountedConnection = -1;
    this.lastUncountedIndex = 0;
  }
}

/** Bytes a message holds in memory, roughly: its payload strings. */
function payloadBytes(send: ClientSend): number {
  switch (send.kind) {
    case 'realtime': {
      const blob =
        'audio' in send.input ? send.input.audio : 'video' in send.input ? send.input.video : undefined;
      return blob?.data?.length ?? 0;
    }
    case 'content': {
      let bytes = 0;
      for (const turn of send.turns) {
        for (const part of turn.parts ?? []) {
          bytes += part.text?.length ?? part.inlineData?.data?.length ?? part.fileData?.fileUri?.length ?? 0;
        }
      }
      return bytes;
    }
    case 'toolResponse':
      return JSON.stringify(send.functionResponses).length;
  }
}

// The sample rate of the last mime type seen: a run sends one audio format, so no regex per chunk.
let lastMime: string | undefined;
let lastRate = 16_000;
function rateOf(mimeType: string | undefined): number {
  if (mimeType !== lastMime) {
    lastMime = mimeType;
    lastRate = Number(/rate=(\d+)/.exec(mimeType ?? '')?.[1] ?? 16_000);
  }
  return lastRate;
}

/** Milliseconds of 16-bit PCM in a message (0 for anything else). */
export function audioMsOf(send: ClientSend): number {
  if (send.kind !== 'realtime' || !('audio' in send.input)) return 0;
  const { data, mimeType } = send.input.audio;
  if (!data) return 0;
  const rate = rateOf(mimeType);
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  const bytes = (data.length / 4) * 3 - padding;
  return (bytes / 2 / rate) * 1000;
}
