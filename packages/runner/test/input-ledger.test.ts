import { InvalidArgumentError } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { InputLedger, inputReplayOptions } from '../src/continuity/input-ledger.js';
import type { ClientSend } from '../src/continuity/tracked-connection.js';

// 20 ms of 16 kHz PCM16 is 640 bytes: 856 base64 characters.
const chunk = (n: number): ClientSend => ({
  kind: 'realtime',
  input: {
    audio: {
      data: `${String(n).padStart(4, '0')}`.padEnd(854, 'A') + '==',
      mimeType: 'audio/pcm;rate=16000',
    },
  },
});
const answer = (generation: number): ClientSend => ({
  kind: 'toolResponse',
  functionResponses: [{ id: `c${generation}`, name: 'f', response: { output: 1 } }],
  generation,
});
const limits = { maxBytes: 10_000, maxAgeMs: 60_000 };

describe('InputLedger', () => {
  it('transparent: keeps what follows the confirmed index and gives it back in order', () => {
    const ledger = new InputLedger({ transparent: true, limits });
    for (let i = 1; i <= 5; i++) ledger.noteSent(chunk(i), 1, i);
    ledger.confirm(1, 3);
    const { resend, unconfirmed } = ledger.takeForResume(5);
    expect(resend).toEqual([chunk(4), chunk(5)]);
    expect(unconfirmed).toEqual({ messages: 0, audioMs: 0 });
    expect(ledger.heldBytes).toBe(0);
    expect(ledger.peakBytes).toBe(5 * 856);
  });

  it('an index from another connection, or none, is handled: none confirms everything so far', () => {
    const ledger = new InputLedger({ transparent: true, limits });
    ledger.noteSent(chunk(1), 2, 1);
    ledger.confirm(1, 10); // not the connection it was sent on
    expect(ledger.takeForResume(0).resend).toEqual([chunk(1)]);
    ledger.noteSent(chunk(2), 3, 1);
    ledger.confirm(3, undefined);
    expect(ledger.takeForResume(0).resend).toEqual([]);
  });

  it('bytes bound: what falls out is reported as unconfirmed, unless a later index covers it', () => {
    const ledger = new InputLedger({ transparent: true, limits: { maxBytes: 3 * 856, maxAgeMs: 60_000 } });
    for (let i = 1; i <= 5; i++) ledger.noteSent(chunk(i), 1, i);
    expect(ledger.heldBytes).toBe(3 * 856);
    const { resend, unconfirmed } = ledger.takeForResume(0);
    expect(resend).toEqual([chunk(3), chunk(4), chunk(5)]);
    expect(unconfirmed).toEqual({ messages: 2, audioMs: 40 });
    for (let i = 1; i <= 5; i++) ledger.noteSent(chunk(i), 2, i);
    ledger.confirm(2, 2); // the evicted ones were consumed after all
    expect(ledger.takeForResume(0)).toEqual({
      resend: [chunk(3), chunk(4), chunk(5)],
      unconfirmed: { messages: 0, audioMs: 0 },
    });
  });

  it('age bound: messages older than maxAgeMs are not resent, and are reported', () => {
    let now = 0;
    const ledger = new InputLedger({
      transparent: true,
      limits: { maxBytes: 1e9, maxAgeMs: 1_000 },
      now: () => now,
    });
    ledger.noteSent(chunk(1), 1, 1);
    now = 900;
    ledger.noteSent(chunk(2), 1, 2);
    now = 1_500;
    const { resend, unconfirmed } = ledger.takeForResume(0);
    expect(resend).toEqual([chunk(2)]);
    expect(unconfirmed.messages).toBe(1);
  });

  it('resends a tool answer only to a session that made the call', () => {
    const ledger = new InputLedger({ transparent: true, limits });
    ledger.noteSent(answer(1), 1, 1);
    ledger.noteSent(answer(4), 1, 2);
    expect(ledger.takeForResume(3).resend).toEqual([answer(1)]);
  });

  it('not transparent: keeps counts only, reset by each handle', () => {
    const ledger = new InputLedger({ transparent: false, limits });
    ledger.noteSent(chunk(1), 1, 1);
    ledger.confirm(1, undefined);
    ledger.noteSent(chunk(2), 1, 2);
    ledger.noteSent(
      { kind: 'content', turns: [{ role: 'user', parts: [{ text: 'hi' }] }], turnComplete: true },
      1,
      3,
    );
    expect(ledger.heldBytes).toBe(0);
    expect(ledger.takeForResume(0)).toEqual({ resend: [], unconfirmed: { messages: 2, audioMs: 20 } });
  });

  it('validates its options', () => {
    expect(inputReplayOptions(undefined)).toEqual({ maxBytes: 4 * 1024 * 1024, maxAgeMs: 60_000 });
    expect(() => inputReplayOptions({ maxBytes: -1 })).toThrow(InvalidArgumentError);
    expect(() => inputReplayOptions({ maxAgeMs: Number.NaN })).toThrow(InvalidArgumentError);
  });
});
