import { Behavior, FunctionResponseScheduling } from '@google/genai';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeLiveServer } from '../src/live/index.js';
import { connectSdk } from './live-sdk-helpers.js';

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('FakeLiveServer: function declarations and tool responses', () => {
  it('reads the declarations, records scheduling and willContinue, and flags what the Live API would not take', async () => {
    server = await FakeLiveServer.start({ frames: 'binary' });
    const { session } = await connectSdk(server, {
      config: {
        tools: [
          {
            functionDeclarations: [
              { name: 'watch', description: 'streams', behavior: Behavior.NON_BLOCKING },
              { name: 'lookup', description: 'blocking' },
            ],
          },
        ],
      },
    });
    const conn = await server.nextConnection();
    expect(conn.functionDeclarations.map((d) => [d.name, d.behavior])).toEqual([
      ['watch', 'NON_BLOCKING'],
      ['lookup', undefined],
    ]);
    const interrupt = FunctionResponseScheduling.INTERRUPT;
    session.sendToolResponse({
      functionResponses: [
        { id: 'w', name: 'watch', response: { v: 1 }, scheduling: interrupt, willContinue: true },
      ],
    });
    session.sendToolResponse({
      functionResponses: [
        { id: 'w', name: 'watch', response: { v: 2 }, scheduling: interrupt, willContinue: false },
      ],
    });
    session.sendToolResponse({ functionResponses: [{ id: 'l', name: 'lookup', response: { ok: true } }] });
    // Each of these breaks a rule.
    session.sendToolResponse({ functionResponses: [{ id: 'w', name: 'watch', response: { v: 3 } }] });
    session.sendToolResponse({
      functionResponses: [
        { id: 'l2', name: 'lookup', response: {}, scheduling: FunctionResponseScheduling.SILENT },
      ],
    });
    session.sendToolResponse({
      functionResponses: [{ id: 'l3', name: 'lookup', response: {}, willContinue: true }],
    });
    session.sendToolResponse({ functionResponses: [{ id: 'x', name: 'nope', response: {} }] });
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        if (conn.toolResponses.length === 7) resolve();
        else if (Date.now() - started > 10_000) reject(new Error('7 responses did not arrive'));
        else setTimeout(poll, 5);
      };
      poll();
    });
    expect(
      conn.toolResponses.slice(0, 3).map((r) => [r.id, r.response, r.scheduling, r.willContinue]),
    ).toEqual([
      ['w', { v: 1 }, 'INTERRUPT', true],
      ['w', { v: 2 }, 'INTERRUPT', false],
      ['l', { ok: true }, undefined, undefined],
    ]);
    expect(conn.toolResponseErrors.map((e) => e.message)).toEqual([
      'toolResponse: response to call w after its last one',
      'toolResponse: scheduling on lookup, which is not declared NON_BLOCKING',
      'toolResponse: willContinue on lookup, which is not declared NON_BLOCKING',
      'toolResponse: response for undeclared function "nope"',
    ]);
    expect(conn.protocolErrors).toEqual([]);
    session.close();
  });
});
